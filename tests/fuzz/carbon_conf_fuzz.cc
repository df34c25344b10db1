// Fuzz target for the configparser emulation and everything built on it: the input is read
// as a carbon.conf (typed [relay] settings mapped into a Config) and as a relay-rules.conf.
// Every outcome is fine except a crash, a hang or a sanitizer report. Inputs are fed
// byte-for-byte, so invalid UTF-8, NULs and lone '\r's are covered too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/config/carbon_conf.h"
#include "core/config/config.h"
#include "core/config/config_parser.h"
#include "core/config/relay_rules.h"

namespace {

void Exercise(absl::string_view text) {
  absl::StatusOr<fullerene::core::ConfigParser> parser =
      fullerene::core::ConfigParser::ReadString(text, "fuzz.conf");
  if (!parser.ok()) {
    return;
  }
  // Every getter on every section, as carbon and relay-rules would ask.
  for (const std::string& section : parser->Sections()) {
    for (const std::string& option : parser->OptionNames(section)) {
      (void)parser->Get(section, option);
      (void)parser->GetBoolean(section, option);
      (void)parser->OptionLine(section, option);
    }
  }
  for (absl::string_view instance : {"a", ""}) {
    absl::StatusOr<fullerene::core::CarbonSettings> settings =
        fullerene::core::CarbonSettings::Read(*parser, instance);
    if (settings.ok()) {
      fullerene::core::Config config;
      config.config_path = "/etc/carbon/carbon.conf";
      (void)fullerene::core::ApplyCarbonSettings(*settings, &config);
      std::vector<std::string> warnings;
      (void)fullerene::core::ParseRelayRules(*parser, config.destinations, &warnings);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Exercise(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
