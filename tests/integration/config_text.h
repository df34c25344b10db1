// File: config_text.h
//
// Builders for the text that integration tests hand to the relay: carbon.conf and
// relay-rules.conf for RelayProcess::Start() (listeners on reserved loopback ports,
// DESTINATIONS pointing at Sinks, RELAY_METHOD and any other [relay] key, relay-rules.conf
// sections), and the line and pickle bytes of the datapoints a test sends.
//
//   ReservedListeners ports;                       // line + pickle ports held until Release()
//   Sink a(Sink::Protocol::kPickle);
//   CarbonConf conf;
//   conf.Listen(ports).Method("consistent-hashing").Destination(SinkAt(a, "a"));
//   RulesConf rules;
//   rules.Default({SinkAt(a, "a")});
//   ASSERT_TRUE(relay.Start(conf.Text(), rules.Text(), {"--workers", "2"}).ok());
//   ports.Release();
//
// Keys are written in the order they were set, one `KEY = value` line each, under [relay];
// nothing is quoted or escaped (a '%' must be written '%%', as in any carbon.conf). Setting
// a key twice writes it twice, which carbon (and fullerene) refuse: that is how a test asks
// for a duplicate key. CARBON_METRIC_INTERVAL is 0 unless SelfMetrics() says otherwise, so
// that no self-metric ever lands in a sink whose datapoints a test counts exactly.
//
// Not thread-safe; plain value types for one test thread.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "tests/integration/sink.h"
#include "tests/testing/loopback.h"

namespace fullerene::testing {

// A line and a pickle TCP port on 127.0.0.1, held (PortReservation) until the relay has
// bound them.
struct ReservedListeners {
  PortReservation line;
  PortReservation pickle;

  void Release() {
    line.Release();
    pickle.Release();
  }
};

// "127.0.0.1:<port>[:<instance>][?<options>]": one DESTINATIONS item. An empty instance
// writes none (instance None); options is our URL extension, e.g. "prefix=KEY.&protocol=line".
std::string DestinationAt(int port, absl::string_view instance = "",
                          absl::string_view options = "");
// The same for a Sink's port.
std::string SinkAt(const Sink& sink, absl::string_view instance = "",
                   absl::string_view options = "");

// carbon.conf text with a [relay] section.
class CarbonConf {
 public:
  // LINE_RECEIVER_* and PICKLE_RECEIVER_* on 127.0.0.1 (port 0 turns a listener off).
  CarbonConf& Listen(int line_port, int pickle_port);
  CarbonConf& Listen(const ReservedListeners& ports) {
    return Listen(ports.line.port(), ports.pickle.port());
  }
  // ENABLE_UDP_LISTENER = True and UDP_RECEIVER_* on 127.0.0.1.
  CarbonConf& Udp(int port);
  // RELAY_METHOD.
  CarbonConf& Method(absl::string_view method);
  // Appends one DESTINATIONS item (the key is written once, items joined with ", ").
  CarbonConf& Destination(std::string item);
  // Any other `KEY = value` line.
  CarbonConf& Set(absl::string_view key, absl::string_view value);
  // CARBON_METRIC_INTERVAL (default here: "0", no self-metrics).
  CarbonConf& SelfMetrics(absl::string_view interval) {
    metric_interval_ = std::string(interval);
    return *this;
  }

  std::string Text() const;

 private:
  std::string metric_interval_ = "0";
  std::vector<std::pair<std::string, std::string>> lines_;
  std::vector<std::string> destinations_;
  // The entry of lines_ that Destination() added, whose value is destinations_ joined.
  size_t destinations_line_ = kNoLine;
  static constexpr size_t kNoLine = static_cast<size_t>(-1);
};

// relay-rules.conf text. Sections are written in the order they were added.
class RulesConf {
 public:
  // [name] pattern = <pattern>, destinations = ..., and `continue = true` when asked.
  RulesConf& Rule(absl::string_view name, absl::string_view pattern,
                  const std::vector<std::string>& destinations, bool continue_matching = false);
  // [name] default = true, destinations = ...
  RulesConf& Default(const std::vector<std::string>& destinations,
                     absl::string_view name = "default");

  std::string Text() const { return text_; }

 private:
  std::string text_;
};

// One datapoint a test sends.
struct Datapoint {
  std::string name;
  double timestamp = 0;
  double value = 0;
};

// "<name> <value> <timestamp>\n" per datapoint, numbers as "%.17g" (exact round trip).
std::string LineText(const std::vector<Datapoint>& datapoints);
// Framed protocol-2 pickle messages of at most `per_frame` datapoints each, as carbon-relay
// sends them (written by codec::PickleBatchWriter).
std::string PickleFrames(const std::vector<Datapoint>& datapoints, size_t per_frame = 500);
// The client's own port: the relay names a client "127.0.0.1:<this port>" in its log.
int LocalPort(const Client& client);

}  // namespace fullerene::testing
