// File: json_writer.h
//
// JsonWriter builds the small JSON documents fullerene-gen writes (--json summaries, the
// sink's --json-out totals): objects and arrays of strings and numbers, nothing more, so that
// no JSON library is needed.
//
//   JsonWriter json;
//   json.BeginObject();
//   json.Key("datapoints").Uint(1000);
//   json.Key("protocol").String("line");
//   json.EndObject();
//   json.str();    // {"datapoints":1000,"protocol":"line"}
//
// The caller keeps keys and values balanced. Doubles are written in their shortest exact form
// (std::to_chars), NaN and infinity as null, which JSON cannot spell.
//
// Thread-compatible value type.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace fullerene::gen {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(absl::string_view key);
  JsonWriter& String(absl::string_view value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);

  const std::string& str() const { return out_; }

 private:
  // Writes the comma that separates this value from the previous one in its container.
  void Separate();

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace fullerene::gen
