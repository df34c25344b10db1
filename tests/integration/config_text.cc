#include "tests/integration/config_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "codec/pickle/pickle_encoder.h"
#include "core/memory/byte_buffer.h"

namespace fullerene::testing {

std::string DestinationAt(int port, absl::string_view instance, absl::string_view options) {
  std::string item = absl::StrCat("127.0.0.1:", port);
  if (!instance.empty()) {
    absl::StrAppend(&item, ":", instance);
  }
  if (!options.empty()) {
    absl::StrAppend(&item, "?", options);
  }
  return item;
}

std::string SinkAt(const Sink& sink, absl::string_view instance, absl::string_view options) {
  return DestinationAt(sink.port(), instance, options);
}

CarbonConf& CarbonConf::Listen(int line_port, int pickle_port) {
  Set("LINE_RECEIVER_INTERFACE", "127.0.0.1");
  Set("LINE_RECEIVER_PORT", absl::StrCat(line_port));
  Set("PICKLE_RECEIVER_INTERFACE", "127.0.0.1");
  return Set("PICKLE_RECEIVER_PORT", absl::StrCat(pickle_port));
}

CarbonConf& CarbonConf::Udp(int port) {
  Set("ENABLE_UDP_LISTENER", "True");
  Set("UDP_RECEIVER_INTERFACE", "127.0.0.1");
  return Set("UDP_RECEIVER_PORT", absl::StrCat(port));
}

CarbonConf& CarbonConf::Method(absl::string_view method) { return Set("RELAY_METHOD", method); }

CarbonConf& CarbonConf::Destination(std::string item) {
  if (destinations_line_ == kNoLine) {
    // Keep DESTINATIONS where it was first asked for among the other keys.
    destinations_line_ = lines_.size();
    lines_.emplace_back("DESTINATIONS", "");
  }
  destinations_.push_back(std::move(item));
  return *this;
}

CarbonConf& CarbonConf::Set(absl::string_view key, absl::string_view value) {
  lines_.emplace_back(std::string(key), std::string(value));
  return *this;
}

std::string CarbonConf::Text() const {
  std::string text = absl::StrCat("[relay]\nCARBON_METRIC_INTERVAL = ", metric_interval_, "\n");
  for (size_t i = 0; i < lines_.size(); ++i) {
    const auto& [key, value] = lines_[i];
    absl::StrAppend(&text, key, " = ",
                    i == destinations_line_ ? absl::StrJoin(destinations_, ", ") : value, "\n");
  }
  return text;
}

RulesConf& RulesConf::Rule(absl::string_view name, absl::string_view pattern,
                           const std::vector<std::string>& destinations, bool continue_matching) {
  absl::StrAppend(&text_, "[", name, "]\npattern = ", pattern, "\n");
  if (continue_matching) {
    absl::StrAppend(&text_, "continue = true\n");
  }
  absl::StrAppend(&text_, "destinations = ", absl::StrJoin(destinations, ", "), "\n\n");
  return *this;
}

RulesConf& RulesConf::Default(const std::vector<std::string>& destinations,
                              absl::string_view name) {
  absl::StrAppend(&text_, "[", name,
                  "]\ndefault = true\ndestinations = ", absl::StrJoin(destinations, ", "), "\n\n");
  return *this;
}

std::string LineText(const std::vector<Datapoint>& datapoints) {
  std::string text;
  for (const Datapoint& d : datapoints) {
    absl::StrAppendFormat(&text, "%s %.17g %.17g\n", d.name, d.value, d.timestamp);
  }
  return text;
}

std::string PickleFrames(const std::vector<Datapoint>& datapoints, size_t per_frame) {
  core::ByteBuffer out;
  codec::PickleBatchWriter writer;
  for (size_t start = 0; start < datapoints.size(); start += per_frame) {
    writer.Begin(&out);
    const size_t end = std::min(datapoints.size(), start + per_frame);
    for (size_t i = start; i < end; ++i) {
      writer.Add("", datapoints[i].name, datapoints[i].timestamp, datapoints[i].value);
    }
    writer.Finish();
  }
  return out.size() == 0 ? std::string() : std::string(out.data(), out.size());
}

int LocalPort(const Client& client) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (getsockname(client.fd(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return -1;
  }
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

}  // namespace fullerene::testing
