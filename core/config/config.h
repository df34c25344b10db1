// File: config.h
//
// The relay's configuration as plain data: what LoadConfig() makes of carbon.conf
// ([relay], then [relay:<instance>]), relay-rules.conf and our destination URL extension,
// or of the embedded default. Nothing here does I/O after loading; the router (core/route)
// and the workers (net/) are built from a Config.
//
//   LoadOptions options;
//   options.config_path = "/etc/carbon/carbon.conf";
//   absl::StatusOr<Config> config = LoadConfig(options);
//   if (!config.ok()) { print config.status().message(); exit(1); }
//   for (const std::string& w : config->warnings) log w;
//
// Error messages name the file, the line where known, the key and the value, e.g.
//   /etc/carbon/carbon.conf:12: REPLICATION_FACTOR = two: not an integer
//
// Thread-compatible value types.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fullerene::core {

enum class RelayMethod {
  kRules,
  kConsistentHashing,
  kAggregatedConsistentHashing,
  kFastHashing,
  kFastAggregatedHashing,
};

// carbon's ROUTER_HASH_TYPE. carbon treats any other value as carbon_ch (COMPAT §1.2).
enum class HashType { kCarbonCh, kFnv1aCh, kMmh3Ch };

enum class WireProtocol { kPickle, kLine };

// One entry of DESTINATIONS (COMPAT §2.2), possibly in our URL form
//   host:port[:instance][?prefix=P&protocol=line|pickle]
// or a file destination `file:PATH` (`file:-` is standard output).
struct DestinationSpec {
  // The host text exactly as written (no resolution, no normalisation): with `instance` it
  // is the hash ring's node key (COMPAT §1.1). For a file destination: "file:PATH".
  std::string server;
  int64_t port = 0;  // carbon does no range check; the connector rejects > 65535 at start-up
  std::optional<std::string> instance;  // "host:2004:" gives "", not nullopt
  WireProtocol protocol = WireProtocol::kPickle;  // DESTINATION_PROTOCOL unless overridden
  std::string prefix;      // prepended to every metric name sent there (our extension)
  std::string file_path;   // non-empty for a file destination; "-" is standard output
  std::string text;        // the item as written in the config, for log lines

  bool is_file() const { return !file_path.empty(); }
  // carbon's self-metric name for it: ("%s:%d:%s" % (host, port, instance)).replace('.', '_'),
  // with "None" for no instance (COMPAT §4.7).
  std::string StatName() const;
  // Python's str((server, instance)), e.g. "('127.0.0.1', 'a')" or "('::1', None)".
  std::string NodeRepr() const;
};

struct ListenerSpec {
  std::string interface;  // an IPv4 or IPv6 literal, e.g. "0.0.0.0", "::1"
  int port = 0;           // 0 disables the listener
};

// One section of relay-rules.conf (COMPAT §2.4).
struct RelayRule {
  std::string name;                 // the section name
  std::string pattern;              // Python regex source; empty for the default rule
  bool is_default = false;
  bool continue_matching = false;   // `continue = true`
  // Indices into Config::destinations of the rule's destinations that are configured;
  // the others were dropped (as carbon does) with a warning.
  std::vector<uint32_t> destinations;
  std::string file;                 // where the rule was read, for error messages
  int line = 0;                     // line of the section header
};

struct Config {
  // Where it came from. Empty config_path means the embedded default.
  std::string config_path;
  std::string conf_dir;
  std::string instance = "a";

  ListenerSpec line_receiver{"0.0.0.0", 2003};
  ListenerSpec pickle_receiver{"0.0.0.0", 2004};
  bool enable_udp_listener = false;
  ListenerSpec udp_receiver{"0.0.0.0", 2003};
  int64_t pickle_receiver_max_length = 1048576;
  // MAX_RECEIVER_CONNECTIONS; carbon's default is inf.
  int64_t max_receiver_connections = std::numeric_limits<int64_t>::max();

  RelayMethod relay_method = RelayMethod::kRules;
  std::string relay_rules_path;        // resolved: --rules, or CONF_DIR/RELAY_RULES
  std::string aggregation_rules_path;  // resolved: CONF_DIR/AGGREGATION_RULES
  HashType hash_type = HashType::kCarbonCh;  // resolved per method when ROUTER_HASH_TYPE unset
  int64_t replication_factor = 1;
  bool diverse_replicas = true;

  std::vector<DestinationSpec> destinations;  // DESTINATIONS order (it matters: COMPAT §1.3)
  std::vector<RelayRule> rules;               // pattern rules in file order, then the default

  int64_t max_queue_size = 1000;          // datapoints per destination
  double queue_low_watermark_pct = 0.8;
  int64_t max_datapoints_per_message = 500;
  bool use_flow_control = true;

  std::string carbon_metric_prefix = "carbon";
  double carbon_metric_interval = 60;  // seconds; <= 0 disables self-metrics
  bool log_listener_conn_success = true;
  int64_t min_timestamp_resolution = 0;

  bool tcp_keepalive = true;
  int tcp_keepidle = 10;
  int tcp_keepintvl = 30;
  int tcp_keepcnt = 2;

  std::string user;     // USER: drop privileges to this user after binding
  std::string pid_dir;  // PID_DIR: where carbon-relay-<instance>.pid is written; empty: none

  int workers = 0;  // WORKERS / --workers; 0 means one per online CPU

  // Non-fatal findings (unknown keys, rule destinations not in DESTINATIONS, ...), each a
  // complete message naming file and key, for the caller to log.
  std::vector<std::string> warnings;
};

struct LoadOptions {
  std::string config_path;  // empty: the embedded default
  std::string instance = "a";
  std::string rules_path;   // --rules; empty: CONF_DIR/RELAY_RULES
  int workers = 0;          // --workers; 0: WORKERS from the file, else one per CPU
};

// Reads and validates everything; returns kInvalidArgument (bad values, bad files) or
// kNotFound (missing files) with a message naming file, line and key.
absl::StatusOr<Config> LoadConfig(const LoadOptions& options);

// The configuration used when no --config is given: line on 127.0.0.1:2003, pickle on
// 127.0.0.1:2004, and every datapoint written to standard output in line format.
Config EmbeddedDefaultConfig();

// Parses one DESTINATIONS item (carbon's parseDestination plus our URL and file forms).
// `default_protocol` is DESTINATION_PROTOCOL. The message of an error does not name the file;
// the caller adds it.
absl::StatusOr<DestinationSpec> ParseDestination(const std::string& item,
                                                 WireProtocol default_protocol);

}  // namespace fullerene::core
