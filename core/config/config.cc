// LoadConfig() and EmbeddedDefaultConfig(): carbon.conf (carbon_conf.h) and, for the rules
// method, relay-rules.conf (relay_rules.h) put together into one Config.
//
// Decisions beyond carbon's behaviour:
//   * carbon also requires CONF_DIR/storage-schemas.conf and an importable `whisper` module
//     (COMPAT §2.1); the relay never uses either, so we require neither.
//   * --rules without --config is an error: the embedded default has no DESTINATIONS a rules
//     file could name.
//   * The embedded default takes --instance and --workers like a file would.
#include "core/config/config.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/base/status_macros.h"
#include "core/config/carbon_conf.h"
#include "core/config/config_parser.h"
#include "core/config/relay_rules.h"

namespace fullerene::core {

Config EmbeddedDefaultConfig() {
  Config config;
  config.line_receiver = {"127.0.0.1", 2003};
  config.pickle_receiver = {"127.0.0.1", 2004};
  config.enable_udp_listener = false;
  config.relay_method = RelayMethod::kRules;

  DestinationSpec out;
  out.server = "file:-";
  out.port = 0;
  out.protocol = WireProtocol::kLine;
  out.file_path = "-";
  out.text = "file:-";
  config.destinations.push_back(std::move(out));

  RelayRule rule;
  rule.name = "default";
  rule.is_default = true;
  rule.destinations = {0};
  rule.file = "(embedded default)";
  config.rules.push_back(std::move(rule));
  return config;
}

absl::StatusOr<Config> LoadConfig(const LoadOptions& options) {
  if (options.workers < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers = ", options.workers, ": must not be negative"));
  }
  if (options.config_path.empty()) {
    if (!options.rules_path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--rules=", options.rules_path,
          " needs --config: the embedded default configuration has no DESTINATIONS for "
          "relay rules to name"));
    }
    Config config = EmbeddedDefaultConfig();
    config.instance = options.instance;
    if (options.workers > 0) {
      config.workers = options.workers;
    }
    return config;
  }

  absl::StatusOr<ConfigParser> parser = ConfigParser::ReadFile(options.config_path);
  if (!parser.ok()) {
    if (parser.status().code() == absl::StatusCode::kNotFound) {
      // conf.py read_config's wording, plus the reason.
      return absl::NotFoundError(absl::StrCat("Error: missing required config ",
                                              python::Repr(options.config_path), " (",
                                              parser.status().message(), ")"));
    }
    return parser.status();
  }
  FULLERENE_ASSIGN_OR_RETURN(CarbonSettings settings,
                             CarbonSettings::Read(*parser, options.instance));

  Config config;
  config.config_path = options.config_path;
  config.instance = options.instance;
  FULLERENE_RETURN_IF_ERROR(ApplyCarbonSettings(settings, &config));
  if (!options.rules_path.empty()) {
    config.relay_rules_path = options.rules_path;
  }
  if (config.relay_method == RelayMethod::kRules) {
    FULLERENE_ASSIGN_OR_RETURN(config.rules, ReadRelayRules(config.relay_rules_path,
                                                            config.destinations, &config.warnings));
  }
  if (options.workers > 0) {
    config.workers = options.workers;
  }
  return config;
}

}  // namespace fullerene::core
