#include "net/relay.h"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>

#include <latch>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "core/base/log.h"
#include "core/route/router.h"
#include "net/socket_util.h"
#include "net/worker.h"

namespace fullerene::net {
namespace {

// Batches in flight between two workers; beyond this a producer keeps them in its outbox.
constexpr size_t kMeshCapacity = 1024;

// How often host-name destinations are looked up again, so a DNS change reaches the next
// reconnect without a restart (Twisted resolves on every connect; this keeps the lookups off
// the workers).
constexpr absl::Duration kResolveInterval = absl::Seconds(30);

bool IsNumericHost(const std::string& host) {
  return ParseNumericAddress(host, 0).ok();
}

absl::Status ResolveInto(const core::DestinationSpec& spec, DestinationShared& shared) {
  absl::StatusOr<std::vector<SocketAddress>> addresses =
      ResolveAddress(spec.server, static_cast<int>(spec.port));
  if (!addresses.ok()) {
    return addresses.status();
  }
  shared.SetAddresses(*std::move(addresses));
  return absl::OkStatus();
}

}  // namespace

int AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) {
      return n;
    }
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

Relay::Relay(std::unique_ptr<RelayState> state) : state_(std::move(state)) {}

Relay::~Relay() {
  if (!threads_.empty()) {
    RequestStop();
    Wait();
  }
  if (workers_.empty()) {
    // Create() failed part-way: nobody took the listening sockets over.
    for (const auto& sockets : state_->listeners) {
      for (const ListenerSocket& socket : sockets) {
        close(socket.fd);
      }
    }
  }
  for (auto& wake : state_->wakes) {
    if (wake->eventfd >= 0) {
      close(wake->eventfd);
    }
  }
}

absl::StatusOr<std::unique_ptr<Relay>> Relay::Create(core::Config config) {
  const int workers = config.workers > 0 ? config.workers : AvailableCpus();
  auto state = std::make_unique<RelayState>(std::move(config));
  const core::Config& c = state->config;
  state->workers = workers;
  const std::string where = c.config_path.empty() ? "the embedded default" : c.config_path;

  for (uint32_t d = 0; d < c.destinations.size(); ++d) {
    const core::DestinationSpec& spec = c.destinations[d];
    if (!spec.is_file() && (spec.port < 1 || spec.port > 65535)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": DESTINATIONS: ", spec.text,
                                                     ": port ", spec.port,
                                                     " is not in 1..65535"));
    }
    auto shared = std::make_unique<DestinationShared>();
    shared->owner = d % static_cast<uint32_t>(workers);
    if (!spec.is_file()) {
      absl::StatusOr<SocketAddress> numeric =
          ParseNumericAddress(spec.server, static_cast<int>(spec.port));
      if (numeric.ok()) {
        shared->SetAddresses({*numeric});
      } else {
        absl::Status resolved = ResolveInto(spec, *shared);
        if (!resolved.ok()) {
          // carbon-relay starts anyway and keeps retrying; so do we.
          FULLERENE_LOG(WARNING) << "destination " << spec.text << ": " << resolved.message()
                                 << "; will retry";
        }
      }
    }
    state->destinations.push_back(std::move(shared));
  }

  for (int from = 0; from < workers; ++from) {
    for (int to = 0; to < workers; ++to) {
      state->mesh.push_back(std::make_unique<core::SpscRing<Batch*>>(kMeshCapacity));
    }
    auto wake = std::make_unique<WorkerWake>();
    wake->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake->eventfd < 0) {
      return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
    }
    state->wakes.push_back(std::move(wake));
    state->stats.push_back(std::make_unique<WorkerStatsBlock>(c.destinations.size()));
  }

  auto relay = absl::WrapUnique(new Relay(std::move(state)));
  RelayState& s = *relay->state_;
  s.listeners.resize(workers);
  struct Wanted {
    bool enabled;
    const core::ListenerSpec* spec;
    ListenerSocket::Kind kind;
    SocketKind socket;
    const char* key;
    const char* interface_key;
    const char* name;
  };
  const Wanted wanted[] = {
      {c.line_receiver.port != 0, &c.line_receiver, ListenerSocket::Kind::kLine,
       SocketKind::kStream, "LINE_RECEIVER_PORT", "LINE_RECEIVER_INTERFACE", "line"},
      {c.pickle_receiver.port != 0, &c.pickle_receiver, ListenerSocket::Kind::kPickle,
       SocketKind::kStream, "PICKLE_RECEIVER_PORT", "PICKLE_RECEIVER_INTERFACE",
       "pickle"},
      {c.enable_udp_listener && c.udp_receiver.port != 0, &c.udp_receiver,
       ListenerSocket::Kind::kUdp, SocketKind::kDatagram, "UDP_RECEIVER_PORT",
       "UDP_RECEIVER_INTERFACE", "udp"},
  };
  for (const Wanted& w : wanted) {
    if (!w.enabled) {
      continue;
    }
    int port = 0;
    for (int worker = 0; worker < workers; ++worker) {
      absl::StatusOr<int> fd = OpenListener(*w.spec, w.socket);
      if (!fd.ok()) {
        // ~Relay closes the sockets opened before this one.
        return absl::Status(fd.status().code(),
                            absl::StrCat(where, ": ", w.key, " = ", w.spec->port, " (",
                                         w.interface_key, " = ", w.spec->interface,
                                         "): ", fd.status().message()));
      }
      s.listeners[worker].push_back(ListenerSocket{w.kind, *fd});
      port = LocalPort(*fd);
    }
    FULLERENE_LOG(INFO) << "listening for " << w.name << " on " << w.spec->interface << ":"
                        << port << " (" << workers << " sockets)";
  }

  for (int worker = 0; worker < workers; ++worker) {
    absl::StatusOr<std::unique_ptr<core::Router>> router = core::Router::Create(s.config);
    if (!router.ok()) {
      return router.status();
    }
    relay->workers_.push_back(std::make_unique<Worker>(s, worker, *std::move(router)));
  }
  return relay;
}

absl::Status Relay::Start() {
  const int n = state_->workers;
  std::vector<absl::Status> init(n);
  std::latch initialized(n);
  // `init` and `initialized` are used by the threads only before initialized.wait() returns;
  // what they look at afterwards (start_gate_, start_aborted_) outlives them.
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, i, &init, &initialized] {
      const std::string name = absl::StrCat("fullerene-w", i);
      pthread_setname_np(pthread_self(), name.c_str());
      init[i] = workers_[i]->Init();
      initialized.count_down();
      start_gate_.wait();
      if (!start_aborted_.load()) {
        workers_[i]->Run();
      }
    });
  }
  initialized.wait();
  absl::Status status;
  for (const absl::Status& s : init) {
    if (!s.ok()) {
      status = s;
      break;
    }
  }
  start_aborted_.store(!status.ok());
  start_gate_.count_down();
  if (!status.ok()) {
    for (std::thread& t : threads_) {
      t.join();
    }
    threads_.clear();
    return status;
  }
  FULLERENE_LOG(INFO) << "fullerene running with " << n << " worker" << (n == 1 ? "" : "s")
                      << ", " << state_->config.destinations.size() << " destination"
                      << (state_->config.destinations.size() == 1 ? "" : "s");
  resolver_ = std::thread([this] { ResolveLoop(); });
  return absl::OkStatus();
}

void Relay::ResolveLoop() {
  pthread_setname_np(pthread_self(), "fullerene-dns");
  absl::MutexLock lock(&resolver_mu_);
  while (!resolver_stop_.load()) {
    resolver_cv_.WaitWithTimeout(&resolver_mu_, kResolveInterval);
    if (resolver_stop_.load()) {
      break;
    }
    for (uint32_t d = 0; d < state_->config.destinations.size(); ++d) {
      const core::DestinationSpec& spec = state_->config.destinations[d];
      if (spec.is_file() || IsNumericHost(spec.server)) {
        continue;
      }
      absl::Status resolved = ResolveInto(spec, *state_->destinations[d]);
      if (!resolved.ok()) {
        FULLERENE_LOG(WARNING) << "destination " << spec.text << ": " << resolved.message();
      }
    }
  }
}

void Relay::RequestStop() {
  state_->stopping.store(true, std::memory_order_release);
  for (auto& wake : state_->wakes) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake->eventfd, &one, sizeof(one));
  }
}

void Relay::Wait() {
  for (std::thread& t : threads_) {
    t.join();
  }
  threads_.clear();
  if (resolver_.joinable()) {
    {
      absl::MutexLock lock(&resolver_mu_);
      resolver_stop_.store(true);
      resolver_cv_.Signal();
    }
    resolver_.join();
  }
}

void Relay::LogShutdownReport() const {
  uint64_t received = 0;
  for (const auto& block : state_->stats) {
    received += block->worker.metrics_received.Get();
  }
  FULLERENE_LOG(INFO) << "stopped: " << received << " datapoints received";
  for (uint32_t d = 0; d < state_->config.destinations.size(); ++d) {
    uint64_t sent = 0;
    uint64_t given_up = 0;
    uint64_t dropped = 0;
    for (const auto& block : state_->stats) {
      sent += block->destinations[d].sent.Get();
      given_up += block->destinations[d].given_up.Get();
      dropped += block->destinations[d].full_queue_drops.Get();
    }
    FULLERENE_LOG(INFO) << "destination " << state_->config.destinations[d].text << ": " << sent
                        << " datapoints delivered, " << given_up
                        << " given up at shutdown, " << dropped << " dropped on a full queue";
  }
}

}  // namespace fullerene::net
