#include "tools/output_file.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vigil::tools {

// The compressor state: one of zlib's stream (gzip wrapper) or zstd's.
struct OutputFile::Codec {
  Compression kind = Compression::kNone;
  z_stream z{};
  ZSTD_CCtx* zstd = nullptr;
  std::vector<unsigned char> buf = std::vector<unsigned char>(1 << 16);
  ~Codec() {
    if (kind == Compression::kGzip) deflateEnd(&z);
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
  }
};

Compression compression_for(const std::string& path) {
  if (path.ends_with(".zst")) return Compression::kZstd;
  if (path.ends_with(".gz")) return Compression::kGzip;
  return Compression::kNone;
}

OutputFile::OutputFile() = default;
OutputFile::~OutputFile() { close(); }

Status OutputFile::fail(const std::string& what) {
  if (error_.ok()) error_ = Status::error(what + " " + path_ + ": " + std::strerror(errno));
  return error_;
}

Status OutputFile::open(const std::string& path, Compression c) {
  path_ = path;
  if (path == "-") {
    if (c != Compression::kNone) return error_ = Status::error("stdout takes plain output only");
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return fail("open");
  }
  codec_ = std::make_unique<Codec>();
  if (c == Compression::kGzip) {
    // windowBits 15 + 16 asks zlib for the gzip wrapper instead of zlib's own.
    if (deflateInit2(&codec_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      return error_ = Status::error("gzip " + path + ": deflateInit2 failed");
    }
  } else if (c == Compression::kZstd) {
    codec_->zstd = ZSTD_createCCtx();
    if (codec_->zstd == nullptr) return error_ = Status::error("zstd " + path + ": no context");
  }
  codec_->kind = c;
  return Status();
}

Status OutputFile::write(std::string_view bytes) {
  return bytes.empty() ? error_ : pump(bytes, false);
}

Status OutputFile::pump(std::string_view bytes, bool finish) {
  if (!error_.ok() || file_ == nullptr) return error_;
  Codec& k = *codec_;
  if (k.kind == Compression::kNone) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) return fail("write");
    return Status();
  }
  if (k.kind == Compression::kGzip) {
    k.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    k.z.avail_in = static_cast<uInt>(bytes.size());
    do {
      k.z.next_out = k.buf.data();
      k.z.avail_out = static_cast<uInt>(k.buf.size());
      deflate(&k.z, finish ? Z_FINISH : Z_NO_FLUSH);
      size_t n = k.buf.size() - k.z.avail_out;
      if (std::fwrite(k.buf.data(), 1, n, file_) != n) return fail("write");
    } while (k.z.avail_out == 0);
    return Status();
  }
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{k.buf.data(), k.buf.size(), 0};
    size_t left = ZSTD_compressStream2(k.zstd, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left)) {
      return error_ = Status::error("zstd " + path_ + ": " + ZSTD_getErrorName(left));
    }
    if (std::fwrite(k.buf.data(), 1, out.pos, file_) != out.pos) return fail("write");
    if (finish ? left == 0 : in.pos == in.size) return Status();
  }
}

Status OutputFile::close() {
  if (file_ == nullptr) return error_;
  // An empty write finishes the compressed stream.
  if (codec_ && codec_->kind != Compression::kNone) pump({}, true);
  if (file_ == stdout) {
    if (std::fflush(stdout) != 0) fail("write");
  } else if (std::fclose(file_) != 0) {
    fail("close");
  }
  file_ = nullptr;
  codec_.reset();
  return error_;
}

}  // namespace vigil::tools
