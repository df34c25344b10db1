// File: temp_dir.h
//
// TempDir makes a fresh directory under $TMPDIR (or /tmp) and removes it, with everything
// in it, when it goes out of scope. Tests write config files and spools there.
//
//   TempDir dir;
//   std::string conf = dir.Write("carbon.conf", "[relay]\nDESTINATIONS = 127.0.0.1:2004\n");
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace fullerene::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to path()/name (creating parent directories) and returns the full path.
  std::string Write(absl::string_view name, absl::string_view contents) const;
  std::string Join(absl::string_view name) const;

 private:
  std::string path_;
};

// Reads a whole file; returns "" when it cannot.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace fullerene::testing
