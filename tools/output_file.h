// OutputFile: a file written whole or compressed, as vigil-trace's outputs need.
// Thread: one thread per object.
//
// The compression is chosen by the caller, usually from the file name's suffix (heaptrack's
// own rule): ".zst" is zstd (libzstd), ".gz" is gzip (zlib), anything else is plain. Every
// call returns a Status that names the file and what failed; after a failure the object
// writes nothing more. close() must be called for the file to be complete; the destructor of
// an unclosed object closes it and drops any error.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::tools {

enum class Compression { kNone, kGzip, kZstd };

// ".zst" -> kZstd, ".gz" -> kGzip, else kNone.
Compression compression_for(const std::string& path);

class OutputFile {
 public:
  OutputFile();
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // "-" is stdout (plain only).
  Status open(const std::string& path, Compression c);
  Status write(std::string_view bytes);
  Status close();

 private:
  struct Codec;
  Status pump(std::string_view bytes, bool finish);
  Status fail(const std::string& what);
  std::string path_;
  FILE* file_ = nullptr;
  std::unique_ptr<Codec> codec_;
  Status error_;
};

}  // namespace vigil::tools
