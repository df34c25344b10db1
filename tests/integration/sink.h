// File: sink.h
//
// Sink is a fake carbon-cache for integration tests: it listens on 127.0.0.1, accepts any
// number of connections, and decodes what arrives (line or pickle) into datapoints that the
// test can wait for and inspect. It can be stopped and started again on the same port to play
// a destination that goes down and comes back.
//
//   Sink sink(Sink::Protocol::kPickle);
//   ... relay sends to sink.port() ...
//   ASSERT_TRUE(sink.WaitForCount(1000, absl::Seconds(10)));
//   std::vector<Received> got = sink.Snapshot();
//
// Thread-safe; a background thread does the I/O.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace fullerene::testing {

struct Received {
  std::string name;
  double timestamp = 0;
  double value = 0;
};

class Sink {
 public:
  enum class Protocol { kLine, kPickle };

  // port 0: pick a free one.
  explicit Sink(Protocol protocol, int port = 0);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  int port() const { return port_; }

  // Closes the listener and every connection (the destination "goes down").
  void Stop();
  // Listens again on the same port.
  void Start();

  // When paused, the sink accepts but stops reading (a destination that stalls).
  void SetPaused(bool paused) { paused_.store(paused); }

  size_t Count();
  bool WaitForCount(size_t n, absl::Duration timeout);
  std::vector<Received> Snapshot();
  // Every byte received, in order per connection (connections concatenated in close order).
  std::string RawBytes();
  size_t connections() const { return connections_.load(); }
  // Lines or frames the sink could not decode.
  size_t errors() const { return errors_.load(); }

 private:
  void Run();
  void Consume(std::string& buffer, bool eof);

  const Protocol protocol_;
  int port_ = 0;
  std::atomic<int> listen_fd_{-1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<size_t> connections_{0};
  std::atomic<size_t> errors_{0};
  std::thread thread_;

  absl::Mutex mu_;
  std::vector<Received> received_ ABSL_GUARDED_BY(mu_);
  std::string raw_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fullerene::testing
