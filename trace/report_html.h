// vigil-trace's HTML report: one self-contained page, for any current browser, offline.
// Thread: any.
//
// The page is trace/report/report.html with its style (report.css), its script (model.js,
// chart.js, flame.js and table.js, joined) and the model's data (trace/report_data.h) put in
// place; the files are compiled in (trace/report/embed.py). It requests nothing from the
// network: no fonts, no external scripts, and its content security policy forbids any fetch.
#pragma once

#include <string>

#include "trace/report_data.h"

namespace vigil::trace {

std::string render_report_html(const TraceModel& model, const TraceTimeline& timeline,
                               const ReportSource& source);

}  // namespace vigil::trace
