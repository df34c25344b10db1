#include "core/config/carbon_conf.h"

#include <stdlib.h>

#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/base/status_macros.h"

namespace fullerene::core {
namespace {

// How carbon types a key: from the type of its entry in conf.py's `defaults` (1.1.7).
enum class Typing { kNumberOrString, kBool, kList };

// What the relay does with a key.
enum class Use {
  kRelay,         // mapped into Config below
  kNoEffect,      // accepted silently: carbon's Python daemon only, or a feature that is off
  kRefuseIfTrue,  // a bool that changes receiving, routing or delivery: refused when true
  kRefuseIfSet,   // METRIC_CLIENT_IDLE_TIMEOUT: any value changes behaviour
  kNotRelay,      // a carbon-cache / carbon-aggregator setting: warned about and ignored
};

struct KeyInfo {
  absl::string_view key;
  Typing typing;
  Use use;
  absl::string_view why = "";  // for kRefuseIfTrue / kRefuseIfSet
};

constexpr Typing kN = Typing::kNumberOrString;
constexpr Typing kB = Typing::kBool;
constexpr Typing kL = Typing::kList;

// Every key of carbon 1.1.7's conf.py `defaults`, plus the directory keys read_config()
// adds and our WORKERS.
constexpr KeyInfo kKeys[] = {
    {"USER", kN, Use::kRelay},
    {"MAX_CACHE_SIZE", kN, Use::kNotRelay},
    {"MAX_UPDATES_PER_SECOND", kN, Use::kNotRelay},
    {"MAX_CREATES_PER_MINUTE", kN, Use::kNotRelay},
    {"MIN_TIMESTAMP_RESOLUTION", kN, Use::kRelay},
    {"MIN_TIMESTAMP_LAG", kN, Use::kNotRelay},
    {"LINE_RECEIVER_INTERFACE", kN, Use::kRelay},
    {"LINE_RECEIVER_PORT", kN, Use::kRelay},
    {"ENABLE_UDP_LISTENER", kB, Use::kRelay},
    {"UDP_RECEIVER_INTERFACE", kN, Use::kRelay},
    {"UDP_RECEIVER_PORT", kN, Use::kRelay},
    {"PICKLE_RECEIVER_INTERFACE", kN, Use::kRelay},
    {"PICKLE_RECEIVER_PORT", kN, Use::kRelay},
    {"MAX_RECEIVER_CONNECTIONS", kN, Use::kRelay},
    {"CACHE_QUERY_INTERFACE", kN, Use::kNotRelay},
    {"CACHE_QUERY_PORT", kN, Use::kNotRelay},
    {"LOG_UPDATES", kB, Use::kNotRelay},
    {"LOG_CREATES", kB, Use::kNotRelay},
    {"LOG_CACHE_HITS", kB, Use::kNotRelay},
    {"LOG_CACHE_QUEUE_SORTS", kB, Use::kNotRelay},
    {"DATABASE", kN, Use::kNoEffect},
    {"WHISPER_AUTOFLUSH", kB, Use::kNotRelay},
    {"WHISPER_SPARSE_CREATE", kB, Use::kNotRelay},
    {"WHISPER_FALLOCATE_CREATE", kB, Use::kNotRelay},
    {"WHISPER_LOCK_WRITES", kB, Use::kNotRelay},
    {"WHISPER_FADVISE_RANDOM", kB, Use::kNotRelay},
    {"CERES_MAX_SLICE_GAP", kN, Use::kNotRelay},
    {"CERES_NODE_CACHING_BEHAVIOR", kN, Use::kNotRelay},
    {"CERES_SLICE_CACHING_BEHAVIOR", kN, Use::kNotRelay},
    {"CERES_LOCK_WRITES", kB, Use::kNotRelay},
    {"MAX_DATAPOINTS_PER_MESSAGE", kN, Use::kRelay},
    {"MAX_AGGREGATION_INTERVALS", kN, Use::kNotRelay},
    {"FORWARD_ALL", kB, Use::kNotRelay},
    {"MAX_QUEUE_SIZE", kN, Use::kRelay},
    {"QUEUE_LOW_WATERMARK_PCT", kN, Use::kRelay},
    {"TIME_TO_DEFER_SENDING", kN, Use::kNoEffect},
    {"ENABLE_AMQP", kB, Use::kRefuseIfTrue,
     "receiving over AMQP is not supported (carbon-relay starts an AMQP consumer when txamqp "
     "is installed)"},
    {"AMQP_METRIC_NAME_IN_BODY", kB, Use::kNotRelay},
    {"AMQP_VERBOSE", kB, Use::kNotRelay},
    {"AMQP_SPEC", kN, Use::kNotRelay},
    {"BIND_PATTERNS", kL, Use::kNotRelay},
    {"GRAPHITE_URL", kN, Use::kNoEffect},
    {"ENABLE_TAGS", kB, Use::kNotRelay},
    {"TAG_UPDATE_INTERVAL", kN, Use::kNotRelay},
    {"TAG_BATCH_SIZE", kN, Use::kNotRelay},
    {"TAG_QUEUE_SIZE", kN, Use::kNotRelay},
    {"TAG_HASH_FILENAMES", kB, Use::kNotRelay},
    {"TAG_RELAY_NORMALIZED", kB, Use::kRefuseIfTrue,
     "normalising tagged metric names before routing is not supported yet"},
    {"ENABLE_MANHOLE", kB, Use::kRefuseIfTrue,
     "the manhole (an SSH debugging shell into the relay process) is not supported"},
    {"MANHOLE_INTERFACE", kN, Use::kNoEffect},
    {"MANHOLE_PORT", kN, Use::kNoEffect},
    {"MANHOLE_USER", kN, Use::kNoEffect},
    {"MANHOLE_PUBLIC_KEY", kN, Use::kNoEffect},
    {"MANHOLE_HOST_KEY_DIR", kN, Use::kNoEffect},
    {"RELAY_METHOD", kN, Use::kRelay},
    {"DYNAMIC_ROUTER", kB, Use::kRefuseIfTrue,
     "the dynamic router (destinations leave and rejoin the ring as they fail and recover) "
     "is not supported yet"},
    {"DYNAMIC_ROUTER_MAX_RETRIES", kN, Use::kNoEffect},
    {"ROUTER_HASH_TYPE", kN, Use::kRelay},
    {"REPLICATION_FACTOR", kN, Use::kRelay},
    {"DIVERSE_REPLICAS", kB, Use::kRelay},
    {"DESTINATIONS", kL, Use::kRelay},
    {"DESTINATION_PROTOCOL", kN, Use::kRelay},
    {"DESTINATION_TRANSPORT", kN, Use::kRelay},
    {"DESTINATION_SSL_CA", kN, Use::kNoEffect},
    {"DESTINATION_POOL_REPLICAS", kB, Use::kRefuseIfTrue,
     "destination pools (a datapoint goes to the pool member with the shortest queue) are "
     "not supported yet"},
    {"USE_FLOW_CONTROL", kB, Use::kRelay},
    {"USE_INSECURE_UNPICKLER", kB, Use::kRefuseIfTrue,
     "refused on purpose: the insecure unpickler lets anyone who can reach the pickle port "
     "execute code inside the relay; fullerene always decodes pickle safely"},
    {"USE_WHITELIST", kB, Use::kRefuseIfTrue,
     "whitelist and blacklist filtering is not supported yet"},
    {"CARBON_METRIC_PREFIX", kN, Use::kRelay},
    {"CARBON_METRIC_INTERVAL", kN, Use::kRelay},
    {"CACHE_WRITE_STRATEGY", kN, Use::kNotRelay},
    {"WRITE_BACK_FREQUENCY", kN, Use::kNotRelay},
    {"MIN_RESET_STAT_FLOW", kN, Use::kNoEffect},
    {"MIN_RESET_RATIO", kN, Use::kNoEffect},
    {"MIN_RESET_INTERVAL", kN, Use::kNoEffect},
    {"TCP_KEEPALIVE", kB, Use::kRelay},
    {"TCP_KEEPIDLE", kN, Use::kRelay},
    {"TCP_KEEPINTVL", kN, Use::kRelay},
    {"TCP_KEEPCNT", kN, Use::kRelay},
    {"USE_RATIO_RESET", kB, Use::kRefuseIfTrue,
     "resetting slow destination connections is not supported yet"},
    {"LOG_LISTENER_CONN_SUCCESS", kB, Use::kRelay},
    {"LOG_AGGREGATOR_MISSES", kB, Use::kNotRelay},
    {"AGGREGATION_RULES", kN, Use::kRelay},
    {"REWRITE_RULES", kN, Use::kNotRelay},
    {"RELAY_RULES", kN, Use::kRelay},
    {"ENABLE_LOGROTATION", kB, Use::kNoEffect},
    {"METRIC_CLIENT_IDLE_TIMEOUT", kN, Use::kRefuseIfSet,
     "closing idle client connections is not supported yet"},
    {"CACHE_METRIC_NAMES_MAX", kN, Use::kNoEffect},
    {"CACHE_METRIC_NAMES_TTL", kN, Use::kNoEffect},
    {"RAVEN_DSN", kN, Use::kNoEffect},
    {"PICKLE_RECEIVER_MAX_LENGTH", kN, Use::kRelay},
    // Not in `defaults`, but set by read_config() and meaningful in [relay].
    {"STORAGE_DIR", kN, Use::kNoEffect},
    {"LOCAL_DATA_DIR", kN, Use::kNoEffect},
    {"WHITELISTS_DIR", kN, Use::kNoEffect},
    {"LOG_DIR", kN, Use::kNoEffect},
    {"PID_DIR", kN, Use::kRelay},
    {"CONF_DIR", kN, Use::kRelay},
    // Environment variables carbon reads; harmless when someone writes them in the file.
    {"GRAPHITE_ROOT", kN, Use::kNoEffect},
    {"GRAPHITE_CONF_DIR", kN, Use::kNoEffect},
    {"GRAPHITE_STORAGE_DIR", kN, Use::kNoEffect},
    // Ours.
    {"WORKERS", kN, Use::kRelay},
};

const KeyInfo* FindKey(absl::string_view key) {
  for (const KeyInfo& info : kKeys) {
    if (info.key == key) {
      return &info;
    }
  }
  return nullptr;
}

// Settings.readFrom's typing of one value.
absl::StatusOr<CarbonValue> TypeValue(const ConfigParser& parser, absl::string_view key,
                                      const std::string& text, int line) {
  const KeyInfo* info = FindKey(key);
  const Typing typing = info == nullptr ? Typing::kNumberOrString : info->typing;
  CarbonValue value;
  switch (typing) {
    case Typing::kList:
      value.type = CarbonValue::Type::kList;
      for (absl::string_view item : absl::StrSplit(text, ',')) {
        value.list_value.emplace_back(python::Strip(item));
      }
      return value;
    case Typing::kBool: {
      const std::optional<bool> parsed = ConfigParser::ParseBoolean(text);
      if (!parsed.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(parser.source(), ":", line, ": ", key, " = ",
                                                       text, ": Not a boolean: ", text,
                                                       " (use 1/yes/true/on or 0/no/false/off)"));
      }
      value.type = CarbonValue::Type::kBool;
      value.bool_value = *parsed;
      value.str = *parsed ? "True" : "False";
      return value;
    }
    case Typing::kNumberOrString:
      break;
  }
  if (const std::optional<python::PythonInt> number = python::ParseInt(text)) {
    value.type = CarbonValue::Type::kInt;
    value.int_value = number->value;
    value.float_value = number->value.has_value() ? static_cast<double>(*number->value)
                                                  : python::ParseFloat(text).value_or(0);
    value.str = number->decimal;
  } else if (const std::optional<double> real = python::ParseFloat(text)) {
    value.type = CarbonValue::Type::kFloat;
    value.float_value = *real;
    value.str = python::FloatRepr(*real);
  } else {
    value.type = CarbonValue::Type::kString;
    value.str = text;
  }
  return value;
}

// os.path.join(a, b) for two components.
std::string PathJoin(absl::string_view a, absl::string_view b) {
  if (absl::StartsWith(b, "/") || a.empty() || absl::EndsWith(a, "/")) {
    return absl::StartsWith(b, "/") ? std::string(b) : absl::StrCat(a, b);
  }
  return absl::StrCat(a, "/", b);
}

// posixpath.normpath.
std::string NormPath(absl::string_view path) {
  if (path.empty()) {
    return ".";
  }
  size_t initial_slashes = absl::StartsWith(path, "/") ? 1 : 0;
  if (absl::StartsWith(path, "//") && !absl::StartsWith(path, "///")) {
    initial_slashes = 2;
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part != ".." || (initial_slashes == 0 && parts.empty()) ||
        (!parts.empty() && parts.back() == "..")) {
      parts.push_back(part);
    } else if (!parts.empty()) {
      parts.pop_back();
    }
  }
  std::string out(initial_slashes, '/');
  absl::StrAppend(&out, absl::StrJoin(parts, "/"));
  return out.empty() ? "." : out;
}

// posixpath.dirname.
std::string DirName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  std::string head(slash == absl::string_view::npos ? absl::string_view()
                                                    : path.substr(0, slash + 1));
  if (!head.empty() && head.find_first_not_of('/') != std::string::npos) {
    head.erase(head.find_last_not_of('/') + 1);
  }
  return head;
}

// os.path.expanduser for "~" and "~/...", from $HOME.
std::string ExpandUser(const std::string& path) {
  if (path != "~" && !absl::StartsWith(path, "~/")) {
    return path;
  }
  const char* home = getenv("HOME");
  if (home == nullptr) {
    return path;
  }
  std::string root = home;
  if (root != "/" && absl::EndsWith(root, "/")) {
    root.pop_back();
  }
  return absl::StrCat(root == "/" && path.size() > 1 ? "" : root, path.substr(1));
}

// Maps the typed settings into a Config, collecting warnings.
class Mapper {
 public:
  Mapper(const CarbonSettings& settings, Config* config) : settings_(settings), config_(config) {}

  absl::Status Run() {
    for (const CarbonSetting& setting : settings_.settings()) {
      FULLERENE_RETURN_IF_ERROR(Classify(setting));
    }
    FULLERENE_RETURN_IF_ERROR(MapReceivers());
    FULLERENE_RETURN_IF_ERROR(MapRelayMethod());
    FULLERENE_RETURN_IF_ERROR(MapHashType());
    FULLERENE_RETURN_IF_ERROR(Int("REPLICATION_FACTOR", 0, kMax, &config_->replication_factor));
    Bool("DIVERSE_REPLICAS", &config_->diverse_replicas);
    FULLERENE_RETURN_IF_ERROR(CheckTransport());
    FULLERENE_RETURN_IF_ERROR(MapDestinations());
    FULLERENE_RETURN_IF_ERROR(Int("MAX_QUEUE_SIZE", 1, kMax, &config_->max_queue_size));
    FULLERENE_RETURN_IF_ERROR(Number("QUEUE_LOW_WATERMARK_PCT", &config_->queue_low_watermark_pct));
    FULLERENE_RETURN_IF_ERROR(
        Int("MAX_DATAPOINTS_PER_MESSAGE", 1, kMax, &config_->max_datapoints_per_message));
    Bool("USE_FLOW_CONTROL", &config_->use_flow_control);
    String("CARBON_METRIC_PREFIX", &config_->carbon_metric_prefix);
    FULLERENE_RETURN_IF_ERROR(Number("CARBON_METRIC_INTERVAL", &config_->carbon_metric_interval));
    Bool("LOG_LISTENER_CONN_SUCCESS", &config_->log_listener_conn_success);
    FULLERENE_RETURN_IF_ERROR(
        Int("MIN_TIMESTAMP_RESOLUTION", 0, kMax, &config_->min_timestamp_resolution));
    Bool("TCP_KEEPALIVE", &config_->tcp_keepalive);
    FULLERENE_RETURN_IF_ERROR(SmallInt("TCP_KEEPIDLE", 1, 32767, &config_->tcp_keepidle));
    FULLERENE_RETURN_IF_ERROR(SmallInt("TCP_KEEPINTVL", 1, 32767, &config_->tcp_keepintvl));
    FULLERENE_RETURN_IF_ERROR(SmallInt("TCP_KEEPCNT", 1, 127, &config_->tcp_keepcnt));
    String("USER", &config_->user);
    if (const CarbonSetting* pid_dir = settings_.Find("PID_DIR")) {
      config_->pid_dir = ExpandUser(pid_dir->value.str);
    }
    FULLERENE_RETURN_IF_ERROR(SmallInt("WORKERS", 0, 1024, &config_->workers));
    MapPaths();
    return absl::OkStatus();
  }

 private:
  static constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

  std::string Where(const CarbonSetting& setting) const {
    return absl::StrCat(settings_.source(), ":", setting.line, ": ");
  }

  absl::Status Bad(const CarbonSetting& setting, absl::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(setting), setting.key, " = ", setting.text, ": ", why));
  }

  void Warn(std::string message) { config_->warnings.push_back(std::move(message)); }

  absl::Status Classify(const CarbonSetting& setting) {
    const KeyInfo* info = FindKey(setting.key);
    if (info == nullptr) {
      Warn(absl::StrCat(Where(setting), "unknown key ", setting.key, " in [", setting.section,
                        "] is ignored."));
      return absl::OkStatus();
    }
    switch (info->use) {
      case Use::kRelay:
      case Use::kNoEffect:
        return absl::OkStatus();
      case Use::kNotRelay:
        Warn(absl::StrCat(Where(setting), setting.key, " in [", setting.section,
                          "] is ignored: not a relay setting (it belongs to carbon-cache or "
                          "carbon-aggregator)."));
        return absl::OkStatus();
      case Use::kRefuseIfTrue:
        return setting.value.bool_value ? Bad(setting, info->why) : absl::OkStatus();
      case Use::kRefuseIfSet:
        return Bad(setting, absl::StrCat(info->why, "; remove the key"));
    }
    return absl::OkStatus();
  }

  // An integer setting; see the header for what is accepted.
  absl::Status Int(absl::string_view key, int64_t min, int64_t max, int64_t* out,
                   bool inf_is_unlimited = false) const {
    const CarbonSetting* setting = settings_.Find(key);
    if (setting == nullptr) {
      return absl::OkStatus();
    }
    const CarbonValue& value = setting->value;
    int64_t result = 0;
    if (value.type == CarbonValue::Type::kInt) {
      if (!value.int_value.has_value()) {
        return Bad(*setting, "out of range");
      }
      result = *value.int_value;
    } else if (value.type == CarbonValue::Type::kFloat) {
      const double x = value.float_value;
      if (std::isinf(x) && x > 0 && inf_is_unlimited) {
        *out = kMax;
        return absl::OkStatus();
      }
      if (std::isnan(x) || std::isinf(x)) {
        return Bad(*setting, "not a finite integer");
      }
      if (x != std::floor(x)) {
        return Bad(*setting, "not a whole number");
      }
      if (x < -9.2e18 || x > 9.2e18) {
        return Bad(*setting, "out of range");
      }
      result = static_cast<int64_t>(x);
    } else {
      return Bad(*setting, "not an integer");
    }
    if (result < min) {
      return Bad(*setting, absl::StrCat("must be at least ", min));
    }
    if (result > max) {
      return Bad(*setting, absl::StrCat("must be at most ", max));
    }
    *out = result;
    return absl::OkStatus();
  }

  absl::Status SmallInt(absl::string_view key, int min, int max, int* out) const {
    int64_t wide = *out;
    FULLERENE_RETURN_IF_ERROR(Int(key, min, max, &wide));
    *out = static_cast<int>(wide);
    return absl::OkStatus();
  }

  absl::Status Number(absl::string_view key, double* out) const {
    const CarbonSetting* setting = settings_.Find(key);
    if (setting == nullptr) {
      return absl::OkStatus();
    }
    const CarbonValue& value = setting->value;
    if (value.type != CarbonValue::Type::kInt && value.type != CarbonValue::Type::kFloat) {
      return Bad(*setting, "not a number");
    }
    if (!std::isfinite(value.float_value)) {
      return Bad(*setting, "must be a finite number");
    }
    *out = value.float_value;
    return absl::OkStatus();
  }

  void Bool(absl::string_view key, bool* out) const {
    if (const CarbonSetting* setting = settings_.Find(key)) {
      *out = setting->value.bool_value;
    }
  }

  void String(absl::string_view key, std::string* out) const {
    if (const CarbonSetting* setting = settings_.Find(key)) {
      *out = setting->value.str;
    }
  }

  absl::Status Listener(absl::string_view name, ListenerSpec* spec) {
    String(absl::StrCat(name, "_RECEIVER_INTERFACE"), &spec->interface);
    return SmallInt(absl::StrCat(name, "_RECEIVER_PORT"), 0, 65535, &spec->port);
  }

  absl::Status MapReceivers() {
    FULLERENE_RETURN_IF_ERROR(Listener("LINE", &config_->line_receiver));
    FULLERENE_RETURN_IF_ERROR(Listener("PICKLE", &config_->pickle_receiver));
    FULLERENE_RETURN_IF_ERROR(Listener("UDP", &config_->udp_receiver));
    Bool("ENABLE_UDP_LISTENER", &config_->enable_udp_listener);
    FULLERENE_RETURN_IF_ERROR(
        Int("PICKLE_RECEIVER_MAX_LENGTH", 1, kMax, &config_->pickle_receiver_max_length));
    return Int("MAX_RECEIVER_CONNECTIONS", 1, kMax, &config_->max_receiver_connections,
               /*inf_is_unlimited=*/true);
  }

  absl::Status MapRelayMethod() {
    const CarbonSetting* setting = settings_.Find("RELAY_METHOD");
    if (setting == nullptr) {
      return absl::OkStatus();
    }
    const std::string& method = setting->value.str;
    if (method == "rules") {
      config_->relay_method = RelayMethod::kRules;
    } else if (method == "consistent-hashing") {
      config_->relay_method = RelayMethod::kConsistentHashing;
    } else if (method == "fast-hashing") {
      config_->relay_method = RelayMethod::kFastHashing;
    } else if (method == "aggregated-consistent-hashing" || method == "fast-aggregated-hashing") {
      return Bad(*setting, "a valid carbon relay method that fullerene does not support yet");
    } else {
      // conf.py CarbonRelayOptions.postOptions, word for word.
      return absl::InvalidArgumentError(
          absl::StrCat(Where(*setting),
                       "In carbon.conf, RELAY_METHOD must be one of rules, consistent-hashing, "
                       "aggregated-consistent-hashing, fast-hashing, fast-aggregated-hashing. "
                       "Invalid value: '",
                       method, "'"));
    }
    return absl::OkStatus();
  }

  absl::Status MapHashType() {
    config_->hash_type = config_->relay_method == RelayMethod::kFastHashing ? HashType::kMmh3Ch
                                                                            : HashType::kCarbonCh;
    const CarbonSetting* setting = settings_.Find("ROUTER_HASH_TYPE");
    if (setting == nullptr) {
      return absl::OkStatus();
    }
    const CarbonValue& value = setting->value;
    // `settings.ROUTER_HASH_TYPE or default`: '', 0 and 0.0 are falsy in Python.
    const bool falsy = (value.type == CarbonValue::Type::kString && value.str.empty()) ||
                       (value.type == CarbonValue::Type::kInt && value.str == "0") ||
                       (value.type == CarbonValue::Type::kFloat && value.float_value == 0);
    if (falsy) {
      return absl::OkStatus();
    }
    if (value.str == "carbon_ch") {
      config_->hash_type = HashType::kCarbonCh;
    } else if (value.str == "fnv1a_ch") {
      config_->hash_type = HashType::kFnv1aCh;
    } else if (value.str == "mmh3_ch") {
      config_->hash_type = HashType::kMmh3Ch;
    } else {
      config_->hash_type = HashType::kCarbonCh;
      Warn(absl::StrCat(Where(*setting), "ROUTER_HASH_TYPE = ", setting->text,
                        " is not one of carbon_ch, fnv1a_ch, mmh3_ch; carbon silently hashes "
                        "with carbon_ch then, and so does fullerene."));
    }
    return absl::OkStatus();
  }

  absl::Status CheckTransport() {
    const CarbonSetting* setting = settings_.Find("DESTINATION_TRANSPORT");
    if (setting == nullptr || setting->value.str == "none") {
      return absl::OkStatus();
    }
    if (setting->value.str == "ssl") {
      return Bad(*setting, "TLS to destinations is not supported yet");
    }
    return Bad(*setting,
               "only none is supported (carbon would quietly send in the clear for anything "
               "but ssl, and TLS to destinations is not supported yet)");
  }

  absl::Status MapDestinations() {
    WireProtocol protocol = WireProtocol::kPickle;
    if (const CarbonSetting* setting = settings_.Find("DESTINATION_PROTOCOL")) {
      if (setting->value.str == "pickle") {
        protocol = WireProtocol::kPickle;
      } else if (setting->value.str == "line") {
        protocol = WireProtocol::kLine;
      } else {
        // client.py CarbonClientManager.createFactory, word for word.
        return absl::InvalidArgumentError(
            absl::StrCat(Where(*setting),
                         "In carbon.conf, DESTINATION_PROTOCOL must be one of pickle, line. "
                         "Invalid value: '",
                         setting->value.str, "'"));
      }
    }
    const CarbonSetting* setting = settings_.Find("DESTINATIONS");
    if (setting == nullptr) {
      Warn(absl::StrCat(settings_.source(),
                        ": DESTINATIONS is not set, so every datapoint is dropped (carbon would "
                        "keep them all in memory)."));
      return absl::OkStatus();
    }
    config_->destinations.clear();
    const bool hashing = config_->relay_method != RelayMethod::kRules;
    for (const std::string& item : setting->value.list_value) {
      absl::StatusOr<DestinationSpec> spec = ParseDestination(item, protocol);
      if (!spec.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(*setting), "DESTINATIONS: ", spec.status().message()));
      }
      bool keep = true;
      for (const DestinationSpec& other : config_->destinations) {
        if (hashing && other.server == spec->server && other.instance == spec->instance) {
          // routers.py ConsistentHashingRouter.addDestination, word for word.
          return absl::InvalidArgumentError(
              absl::StrCat(Where(*setting), "DESTINATIONS: destination instance (", spec->server,
                           ", ", spec->instance.value_or("None"), ") already configured"));
        }
        if (other.server == spec->server && other.port == spec->port &&
            other.instance == spec->instance) {
          if (other.prefix != spec->prefix || other.protocol != spec->protocol) {
            return absl::InvalidArgumentError(
                absl::StrCat(Where(*setting), "DESTINATIONS: ", other.text, " and ", spec->text,
                             " are the same destination with different options"));
          }
          Warn(absl::StrCat(Where(*setting), "DESTINATIONS lists ", spec->text,
                            " twice; carbon connects to it once, and so does fullerene."));
          keep = false;
          break;
        }
      }
      if (keep) {
        config_->destinations.push_back(*std::move(spec));
      }
    }
    return absl::OkStatus();
  }

  void MapPaths() {
    std::string conf_dir = DirName(NormPath(config_->config_path));
    String("CONF_DIR", &conf_dir);
    config_->conf_dir = conf_dir;
    std::string relay_rules = "relay-rules.conf";
    String("RELAY_RULES", &relay_rules);
    std::string aggregation_rules = "aggregation-rules.conf";
    String("AGGREGATION_RULES", &aggregation_rules);
    config_->relay_rules_path = PathJoin(conf_dir, relay_rules);
    config_->aggregation_rules_path = PathJoin(conf_dir, aggregation_rules);
  }

  const CarbonSettings& settings_;
  Config* config_;
};

}  // namespace

absl::StatusOr<CarbonSettings> CarbonSettings::Read(const ConfigParser& parser,
                                                    absl::string_view instance) {
  CarbonSettings settings;
  settings.source_ = parser.source();
  std::vector<std::string> sections = {"relay"};
  if (!instance.empty()) {
    sections.push_back(absl::StrCat("relay:", instance));
  }
  for (const std::string& section : sections) {
    if (!parser.HasSection(section)) {
      continue;
    }
    for (const std::string& name : parser.OptionNames(section)) {
      FULLERENE_ASSIGN_OR_RETURN(std::string text, parser.Get(section, name));
      CarbonSetting setting;
      setting.key = absl::AsciiStrToUpper(name);
      setting.line = parser.OptionLine(section, name);
      FULLERENE_ASSIGN_OR_RETURN(setting.value, TypeValue(parser, setting.key, text, setting.line));
      setting.text = std::move(text);
      setting.section = section;
      const auto [it, inserted] = settings.index_.emplace(setting.key, settings.settings_.size());
      if (inserted) {
        settings.settings_.push_back(std::move(setting));
      } else {
        settings.settings_[it->second] = std::move(setting);
      }
    }
  }
  return settings;
}

const CarbonSetting* CarbonSettings::Find(absl::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &settings_[it->second];
}

absl::Status ApplyCarbonSettings(const CarbonSettings& settings, Config* config) {
  return Mapper(settings, config).Run();
}

}  // namespace fullerene::core
