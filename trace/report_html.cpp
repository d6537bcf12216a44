#include "trace/report_html.h"

#include <string_view>

namespace vigil::trace {
namespace report_assets {
extern const std::string_view kPage;
extern const std::string_view kStyle;
extern const std::string_view kScript;
}  // namespace report_assets

namespace {

// Escapes text for an HTML element's content.
std::string html_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_report_html(const TraceModel& model, const TraceTimeline& timeline,
                               const ReportSource& source) {
  std::string data = report_json(model, timeline, source);
  std::string title =
      "vigil-trace: " +
      (model.info().executable_name.empty() ? source.name : model.info().executable_name);
  std::string title_html = html_text(title);
  const std::pair<std::string_view, std::string_view> fills[] = {
      {"@TITLE@", title_html},
      {"@STYLE@", report_assets::kStyle},
      {"@DATA@", data},
      {"@SCRIPT@", report_assets::kScript},
  };
  std::string_view page = report_assets::kPage;
  std::string out;
  out.reserve(page.size() + data.size() + report_assets::kScript.size() +
              report_assets::kStyle.size());
  // Each marker appears once, in this order; the text between them is copied as is.
  size_t at = 0;
  for (const auto& [marker, text] : fills) {
    size_t m = page.find(marker, at);
    if (m == std::string_view::npos) continue;
    out.append(page.substr(at, m - at));
    out.append(text);
    at = m + marker.size();
  }
  out.append(page.substr(at));
  return out;
}

}  // namespace vigil::trace
