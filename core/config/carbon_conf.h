// File: carbon_conf.h
//
// carbon.conf's [relay] settings, typed the way carbon 1.1.7's conf.py Settings.readFrom
// types them, and mapped into Config (COMPAT §2.1, §6).
//
//   FULLERENE_ASSIGN_OR_RETURN(ConfigParser parser, ConfigParser::ReadFile(path));
//   FULLERENE_ASSIGN_OR_RETURN(CarbonSettings settings, CarbonSettings::Read(parser, "a"));
//   config.config_path = path;
//   FULLERENE_RETURN_IF_ERROR(ApplyCarbonSettings(settings, &config));
//
// Reading (CarbonSettings::Read), exactly as carbon does it:
//   * items("relay"), then items("relay:<instance>"), each including [DEFAULT]'s keys, so a
//     [DEFAULT] key applies again after [relay] when [relay:<instance>] exists. A missing
//     section is skipped. [cache], [aggregator] and every other section are never looked at,
//     so their values are not even interpolated.
//   * Every value is interpolated (a bare '%' anywhere in [relay] or [DEFAULT] is an error).
//   * Keys are upper-cased, ASCII letters only: Python would also turn a dotless 'ı' into
//     'I', so a key spelled with one is an unknown key here.
//   * The type comes from carbon's default: list defaults are split on ',' and stripped;
//     bool defaults go through getboolean, and anything else is an error (`Not a boolean:
//     maybe`), even for keys the relay then ignores, because carbon fails there too; every
//     other key tries Python int(), then float(), then stays a string.
//
// Mapping (ApplyCarbonSettings); decisions where carbon gives no rule:
//   * Integer settings take an int or an integral float ("1e3" is 1000); "0x10", "two",
//     "2.5" are errors (carbon would take 2.5 for some keys and crash later for others).
//     "inf" is accepted only where carbon's default is inf (MAX_RECEIVER_CONNECTIONS, which
//     then means no limit); elsewhere an unbounded size is one of COMPAT §8's hazards, so it
//     is refused.
//   * Ranges: ports 0..65535 (0 disables a listener); MAX_QUEUE_SIZE,
//     MAX_DATAPOINTS_PER_MESSAGE, PICKLE_RECEIVER_MAX_LENGTH and MAX_RECEIVER_CONNECTIONS
//     >= 1 (0 would drop or refuse everything); REPLICATION_FACTOR >= 0 (0 keeps carbon's
//     meaning, COMPAT §1.5); MIN_TIMESTAMP_RESOLUTION >= 0; TCP_KEEPIDLE and TCP_KEEPINTVL
//     1..32767 and TCP_KEEPCNT 1..127 (Linux's limits: carbon would fail on every accept);
//     WORKERS 0..1024. QUEUE_LOW_WATERMARK_PCT and CARBON_METRIC_INTERVAL take any finite
//     number (<= 0 disables self-metrics, as in carbon).
//   * String settings use Python's str() of the typed value, as carbon does: a
//     CARBON_METRIC_PREFIX of "007" is "7", and RELAY_METHOD = 1e3 is reported as '1000.0'.
//   * RELAY_METHOD and DESTINATION_PROTOCOL errors use carbon's own sentences.
//     DESTINATION_PROTOCOL is validated even when DESTINATIONS is empty (carbon checks it
//     when it creates the first destination).
//   * ROUTER_HASH_TYPE: unset, empty or a numeric zero (Python falsy) means carbon_ch, or
//     mmh3_ch for fast-hashing; an unknown value is carbon_ch with a warning.
//   * DESTINATIONS: each item through ParseDestination(). With a hashing method a repeated
//     (server, instance) pair is carbon's "destination instance (...) already configured".
//     With rules, an exact repeat of a destination is dropped with a warning (carbon connects
//     to it once); a repeat with different ?options is an error. An unset DESTINATIONS is a
//     warning (carbon would buffer everything in memory forever; we drop it).
//   * Refused until supported, naming file, line, key and value: aggregated-consistent-hashing
//     and fast-aggregated-hashing, DESTINATION_TRANSPORT other than none,
//     DESTINATION_POOL_REPLICAS, DYNAMIC_ROUTER, USE_WHITELIST, TAG_RELAY_NORMALIZED,
//     USE_RATIO_RESET, ENABLE_MANHOLE and ENABLE_AMQP set to true (carbon-relay does start
//     an AMQP consumer when txamqp is installed), and METRIC_CLIENT_IDLE_TIMEOUT set to
//     anything. USE_INSECURE_UNPICKLER = True is refused on purpose: it lets any client
//     execute code in the relay.
//   * Accepted without effect: settings that only matter to carbon's Python daemon or to a
//     feature that is off (TIME_TO_DEFER_SENDING, DESTINATION_SSL_CA, MIN_RESET_*,
//     CACHE_METRIC_NAMES_*, STORAGE_DIR, LOG_DIR, DATABASE, MANHOLE_*, GRAPHITE_*, ...).
//   * Warned about and ignored: carbon-cache and carbon-aggregator settings found in [relay]
//     ("not a relay setting"), and unknown keys. Never an error: real files carry many.
//   * CONF_DIR set in [relay] replaces the directory of carbon.conf, as in carbon. PID_DIR is
//     kept only when set (carbon's default is STORAGE_DIR; we write no pid file then);
//     a leading "~" is expanded from $HOME as carbon's expanduser does.
//
// Thread-compatible value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/config/config.h"
#include "core/config/config_parser.h"

namespace fullerene::core {

// One value of carbon's settings dict.
struct CarbonValue {
  enum class Type { kBool, kInt, kFloat, kString, kList };
  Type type = Type::kString;
  bool bool_value = false;              // kBool
  std::optional<int64_t> int_value;     // kInt, when it fits in int64 (Python ints do not end)
  double float_value = 0;               // kFloat, and kInt as a double
  std::string str;                      // Python str() of the value (kBool, kInt, kFloat, kString)
  std::vector<std::string> list_value;  // kList
};

struct CarbonSetting {
  std::string key;   // upper-case, as in carbon's settings dict
  std::string text;  // the value after interpolation
  CarbonValue value;
  std::string section;  // the section it was read through: "relay" or "relay:<instance>"
  int line = 0;         // where it was written (possibly in [DEFAULT])
};

class CarbonSettings {
 public:
  // Settings.readFrom(path, "relay") then readFrom(path, "relay:<instance>"); an empty
  // instance skips the second, as carbon does.
  static absl::StatusOr<CarbonSettings> Read(const ConfigParser& parser,
                                             absl::string_view instance);

  const std::string& source() const { return source_; }
  // The setting as the last section that set it left it; nullptr when never set.
  const CarbonSetting* Find(absl::string_view key) const;
  // In the order keys were first set.
  const std::vector<CarbonSetting>& settings() const { return settings_; }

 private:
  std::string source_;
  std::vector<CarbonSetting> settings_;
  absl::flat_hash_map<std::string, size_t> index_;
};

// Fills *config from the settings: everything but the relay rules. config->config_path
// must be set (CONF_DIR defaults to its directory); relay_rules_path and
// aggregation_rules_path come out resolved against CONF_DIR. Warnings are appended to
// config->warnings.
absl::Status ApplyCarbonSettings(const CarbonSettings& settings, Config* config);

}  // namespace fullerene::core
