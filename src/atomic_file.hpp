#pragma once
// Files written whole or not at all: a temporary file beside the target, flushed to disk, then
// renamed over it. A failure leaves the previous file as it was.
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include "dtwin/error.hpp"

namespace dtwin::detail {

inline std::string temp_path_for(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

// Flushes `tmp` to disk and renames it to `path`; removes `tmp` and throws IOError on failure.
inline void commit_temp_file(const std::string& tmp, const std::string& path) {
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw IOError("cannot move the written file into place at '" + path + "'");
  }
}

inline void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = temp_path_for(path);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw IOError("cannot write '" + path + "': the folder is missing or not writable");
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    throw IOError("cannot write '" + path + "': the disk may be full");
  }
  commit_temp_file(tmp, path);
}

}  // namespace dtwin::detail
