// Fuzz target for codec/line: ParseLine() must agree with a naive code-point-by-code-point
// transliteration of carbon's parse, the TCP framing must not depend on how the stream is cut
// into reads, the UDP splitter must match a naive str.splitlines(), and everything
// ParseLine() accepts must survive AppendLine() and come back, its text equal to glibc's.
// Any disagreement abort()s.
//
// Input layout: data[0] % 8 is how many chunk-size bytes follow (each gives a chunk of
// 1..256 bytes, used in turn); the rest is the stream.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "codec/line/line_decoder.h"
#include "codec/line/line_encoder.h"
#include "core/base/python_float.h"
#include "core/memory/byte_buffer.h"

namespace {

using fullerene::codec::LineStatus;
using fullerene::core::MetricView;

struct Event {
  LineStatus status;
  std::string text;  // the name for kOk, the line otherwise
  uint64_t timestamp_bits;
  uint64_t value_bits;

  bool operator==(const Event&) const = default;
};

struct Recorder {
  void OnMetric(const MetricView& metric) {
    events.push_back({LineStatus::kOk, std::string(metric.name),
                      std::bit_cast<uint64_t>(metric.timestamp),
                      std::bit_cast<uint64_t>(metric.value)});
  }
  void OnBadLine(LineStatus status, absl::string_view line) {
    events.push_back({status, std::string(line), 0, 0});
  }
  std::vector<Event> events;
};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "line_decoder_fuzz: %s\n", what);
    std::abort();
  }
}

struct StreamResult {
  std::vector<Event> events;
  bool closed = false;
  size_t buffered = 0;
};

// Feeds `stream` in chunks of the given sizes, each chunk in its own exactly-sized heap
// block so that ASan sees any read past it.
StreamResult FeedInChunks(absl::string_view stream, const std::vector<size_t>& sizes) {
  fullerene::codec::LineStreamDecoder decoder;
  Recorder recorder;
  StreamResult result;
  size_t i = 0;
  for (size_t k = 0; i < stream.size(); ++k) {
    const size_t size = std::min(sizes[k % sizes.size()], stream.size() - i);
    const std::vector<char> chunk(stream.begin() + i, stream.begin() + i + size);
    i += size;
    if (!decoder.Feed(absl::string_view(chunk.data(), chunk.size()), recorder)) {
      result.closed = true;
      Check(decoder.overlong_length() > decoder.kMaxLineLength, "overlong_length too small");
      break;
    }
    Check(decoder.buffered() <= decoder.kMaxLineLength, "carried tail beyond the limit");
  }
  result.events = std::move(recorder.events);
  result.buffered = decoder.buffered();
  return result;
}

// str.splitlines() on bytes, spelled out: the reference for DecodeDatagram().
std::vector<std::string> NaiveSplitlines(absl::string_view s) {
  std::vector<std::string> lines;
  std::string current;
  size_t i = 0;
  auto at = [&](size_t k) { return k < s.size() ? static_cast<uint8_t>(s[k]) : 0; };
  while (i < s.size()) {
    const uint8_t c = at(i);
    size_t length = 0;
    if (c == '\r' && at(i + 1) == '\n') {
      length = 2;
    } else if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d ||
               c == 0x1e) {
      length = 1;
    } else if (c == 0xc2 && at(i + 1) == 0x85 && i + 1 < s.size()) {
      length = 2;
    } else if (c == 0xe2 && at(i + 1) == 0x80 && (at(i + 2) == 0xa8 || at(i + 2) == 0xa9) &&
               i + 2 < s.size()) {
      length = 3;
    }
    if (length == 0) {
      current.push_back(s[i]);
      ++i;
      continue;
    }
    lines.push_back(current);
    current.clear();
    i += length;
  }
  if (!current.empty()) {
    lines.push_back(current);
  }
  return lines;
}

// Decodes UTF-8 into code points the long way (compute, then reject what is out of range for
// its length); false where CPython's strict decoder raises.
bool NaiveDecodeUtf8(absl::string_view s, std::vector<uint32_t>* code_points) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    size_t length;
    uint32_t cp;
    uint32_t min;
    if (c < 0x80) {
      length = 1;
      cp = c;
      min = 0;
    } else if ((c & 0xe0) == 0xc0) {
      length = 2;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + length > s.size()) {
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      const uint8_t b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    code_points->push_back(cp);
    i += length;
  }
  return true;
}

// Python's str.isspace(), listed out.
bool IsPythonSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

// carbon's line parse, spelled out over code points: the reference for ParseLine().
LineStatus ReferenceParseLine(absl::string_view line, std::string* name, double* timestamp,
                              double* value) {
  std::vector<uint32_t> code_points;
  if (!NaiveDecodeUtf8(line, &code_points)) {
    return LineStatus::kBadUtf8;
  }
  // Fields as byte ranges: the decoded length of each code point tells where it sat.
  std::vector<std::string> fields;
  std::string current;
  size_t byte = 0;
  for (uint32_t cp : code_points) {
    const size_t length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (IsPythonSpace(cp)) {
      if (!current.empty()) {
        fields.push_back(current);
      }
      current.clear();
    } else {
      current.append(line.data() + byte, length);
    }
    byte += length;
  }
  if (!current.empty()) {
    fields.push_back(current);
  }
  if (fields.size() != 3) {
    return LineStatus::kFieldCount;
  }
  if (!fullerene::core::ParsePythonFloat(fields[2], timestamp)) {
    return LineStatus::kBadTimestamp;
  }
  if (!fullerene::core::ParsePythonFloat(fields[1], value)) {
    return LineStatus::kBadValue;
  }
  *name = fields[0];
  return LineStatus::kOk;
}

// Every '\n'-separated piece of the stream must get the reference's verdict.
void CheckAgainstReference(absl::string_view stream) {
  while (!stream.empty()) {
    const size_t newline = stream.find('\n');
    const absl::string_view line = stream.substr(0, newline);
    stream.remove_prefix(newline == absl::string_view::npos ? stream.size() : newline + 1);
    MetricView metric;
    const LineStatus status = fullerene::codec::ParseLine(line, &metric);
    std::string name;
    double timestamp;
    double value;
    Check(status == ReferenceParseLine(line, &name, &timestamp, &value),
          "ParseLine verdict differs from the reference");
    if (status == LineStatus::kOk) {
      Check(metric.name == name, "ParseLine name differs from the reference");
      Check(std::bit_cast<uint64_t>(metric.timestamp) == std::bit_cast<uint64_t>(timestamp) &&
                std::bit_cast<uint64_t>(metric.value) == std::bit_cast<uint64_t>(value),
            "ParseLine numbers differ from the reference");
    }
  }
}

std::string GlibcValue(double v) {
  char buf[400];
  std::string text(buf, std::snprintf(buf, sizeof(buf), "%.10f", v));
  while (!text.empty() && text.back() == '0') {
    text.pop_back();
  }
  if (!text.empty() && text.back() == '.') {
    text.pop_back();
  }
  return text;
}

std::string GlibcTimestamp(double ts) {
  char buf[400];
  std::string text(buf, std::snprintf(buf, sizeof(buf), "%.0f", std::trunc(ts)));
  return text == "-0" ? "0" : text;
}

// Encodes a decoded metric, checks the text against glibc and decodes it again.
void CheckRoundTrip(const Event& event) {
  const double timestamp = std::bit_cast<double>(event.timestamp_bits);
  const double value = std::bit_cast<double>(event.value_bits);
  if (!std::isfinite(timestamp) || !std::isfinite(value)) {
    return;
  }
  char text[fullerene::codec::kMaxFormattedNumber];
  const std::string value_text(text, fullerene::codec::FormatCarbonValue(value, text));
  Check(value_text == GlibcValue(value), "FormatCarbonValue differs from glibc %.10f");
  const std::string ts_text(text, fullerene::codec::FormatCarbonTimestamp(timestamp, text));
  Check(ts_text == GlibcTimestamp(timestamp), "FormatCarbonTimestamp differs from glibc %.0f");
  double reparsed;
  Check(fullerene::core::ParsePythonFloat(value_text, &reparsed), "value text does not parse");

  fullerene::core::ByteBuffer out;
  fullerene::codec::AppendLine(&out, "", event.text, timestamp, value);
  absl::string_view line = out.view();
  Check(line.size() >= 2 && line.substr(line.size() - 2) == "\r\n", "line lacks CRLF");
  line.remove_suffix(1);
  MetricView metric;
  Check(fullerene::codec::ParseLine(line, &metric) == LineStatus::kOk, "encoded line rejected");
  Check(metric.name == event.text, "name changed in the round trip");
  Check(std::bit_cast<uint64_t>(metric.value) == std::bit_cast<uint64_t>(reparsed),
        "value changed in the round trip");
  Check(metric.timestamp == std::trunc(timestamp), "timestamp is not trunc(ts)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const size_t size_bytes = std::min<size_t>(data[0] % 8, size - 1);
  std::vector<size_t> sizes;
  for (size_t i = 0; i < size_bytes; ++i) {
    sizes.push_back(static_cast<size_t>(data[1 + i]) + 1);
  }
  if (sizes.empty()) {
    sizes.push_back(1);
  }
  const absl::string_view stream(reinterpret_cast<const char*>(data) + 1 + size_bytes,
                                 size - 1 - size_bytes);

  CheckAgainstReference(stream);

  const StreamResult whole = FeedInChunks(stream, {stream.size() + 1});
  const StreamResult chunked = FeedInChunks(stream, sizes);
  Check(chunked.events == whole.events, "chunked feeding delivered different callbacks");
  Check(chunked.closed == whole.closed, "chunked feeding closed differently");
  Check(chunked.buffered == whole.buffered, "chunked feeding kept a different tail");

  Recorder datagram;
  fullerene::codec::DecodeDatagram(stream, datagram);
  const std::vector<std::string> lines = NaiveSplitlines(stream);
  Check(datagram.events.size() == lines.size(), "datagram split into a different line count");
  for (size_t i = 0; i < lines.size(); ++i) {
    MetricView metric;
    const LineStatus status = fullerene::codec::ParseLine(lines[i], &metric);
    const Event& event = datagram.events[i];
    Check(event.status == status, "datagram line verdict differs");
    Check(event.text == (status == LineStatus::kOk ? std::string(metric.name) : lines[i]),
          "datagram line text differs");
  }

  for (const Event& event : whole.events) {
    if (event.status == LineStatus::kOk) {
      CheckRoundTrip(event);
    }
  }
  for (const Event& event : datagram.events) {
    if (event.status == LineStatus::kOk) {
      CheckRoundTrip(event);
    }
  }
  return 0;
}
