#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/config/config.h"

namespace fullerene::core {
namespace {

// Decodes one UTF-8 sequence at s[*i]; returns the code point and advances *i, or returns
// -1 (and advances by one byte) for a malformed sequence.
int32_t NextCodePoint(const std::string& s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return -1;
  }
  int32_t cp = len == 1 ? b0 : b0 & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xc0) != 0x80) {
      ++*i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  *i += len;
  return cp;
}

// Python's str.isprintable() for a code point outside ASCII. Exact for the characters host
// names and instance names are made of; for the rest of Unicode it errs on "printable", the
// only cost being a differently escaped ring key for a host name nobody writes.
bool IsPrintableNonAscii(int32_t cp) {
  if (cp <= 0xa0 || cp == 0xad) return false;                       // C1 controls, NBSP, SHY
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f)) return false;  // spaces, ZW*, LRM/RLM
  if (cp >= 0x2028 && cp <= 0x202f) return false;                    // separators, bidi
  if (cp >= 0x205f && cp <= 0x206f) return false;
  if (cp == 0x3000 || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb)) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;                    // surrogates
  if (cp >= 0xe000 && cp <= 0xf8ff) return false;                    // private use
  if (cp >= 0xf0000) return false;                                   // private use planes
  return true;
}

// Python 3 repr() of a str, including the choice of quotes.
std::string PythonStrRepr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    const int32_t cp = NextCodePoint(s, &i);
    if (cp == quote || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0) {
      // Not reachable from a config file read as UTF-8; keep the byte visible.
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<unsigned char>(s[start]));
    } else if (cp < 0x20 || cp == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", cp);
    } else if (cp < 0x80 || IsPrintableNonAscii(cp)) {
      out.append(s, start, i - start);
    } else if (cp <= 0xff) {
      absl::StrAppendFormat(&out, "\\x%02x", cp);
    } else if (cp <= 0xffff) {
      absl::StrAppendFormat(&out, "\\u%04x", cp);
    } else {
      absl::StrAppendFormat(&out, "\\U%08x", cp);
    }
  }
  out += quote;
  return out;
}

}  // namespace

std::string DestinationSpec::StatName() const {
  std::string name = absl::StrCat(server, ":", port, ":", instance.has_value() ? *instance : "None");
  return absl::StrReplaceAll(name, {{".", "_"}});
}

std::string DestinationSpec::NodeRepr() const {
  return absl::StrCat("(", PythonStrRepr(server), ", ",
                      instance.has_value() ? PythonStrRepr(*instance) : "None", ")");
}

}  // namespace fullerene::core
