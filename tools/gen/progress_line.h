// File: progress_line.h
//
// ProgressLine is the live one-line status fullerene-gen keeps on stderr while it runs
// ("sent 41.2M dp  9.87M dp/s  errors 0  4.2s"), redrawn in place with a carriage return.
// It is only drawn when stderr is a terminal, so logs and benchmark captures stay clean.
//
//   ProgressLine progress(ProgressLine::StderrIsTerminal());
//   progress.Show(absl::StrCat("sent ", HumanCount(n), " dp"));
//   progress.Finish();     // before printing the final summary
//
// Thread-compatible: used by the one thread that runs the event loop.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace fullerene::gen {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}

  static bool StderrIsTerminal();

  bool enabled() const { return enabled_; }
  // Redraws the line: carriage return, the text, then "erase to end of line" for whatever a
  // longer previous text left behind.
  void Show(absl::string_view text);
  // Moves past the line, so that what is printed next starts on a fresh one.
  void Finish();

 private:
  bool enabled_;
  bool shown_ = false;
};

// A count with an SI suffix and three significant digits: 950, 12.3k, 4.56M, 1.23G.
std::string HumanCount(double value);

}  // namespace fullerene::gen
