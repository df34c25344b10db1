#include "tools/gen/progress_line.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace fullerene::gen {

bool ProgressLine::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

void ProgressLine::Show(absl::string_view text) {
  if (!enabled_) {
    return;
  }
  const std::string line = absl::StrCat("\r", text, "\033[K");
  // One write per redraw; a short write only garbles a status line, so it is not retried.
  [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, line.data(), line.size());
  shown_ = true;
}

void ProgressLine::Finish() {
  if (shown_) {
    [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, "\n", 1);
    shown_ = false;
  }
}

std::string HumanCount(double value) {
  constexpr const char* kSuffixes[] = {"", "k", "M", "G", "T"};
  size_t i = 0;
  double v = value;
  while (std::fabs(v) >= 999.5 && i + 1 < std::size(kSuffixes)) {
    v /= 1000;
    ++i;
  }
  char buf[32];
  if (i == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.*f%s",
                  std::fabs(v) < 9.995   ? 2
                  : std::fabs(v) < 99.95 ? 1
                                         : 0,
                  v, kSuffixes[i]);
  }
  return buf;
}

}  // namespace fullerene::gen
