// File: socket_util.h
//
// Small, synchronous socket helpers used at start-up and around connection setup: address
// parsing, listening sockets (SO_REUSEPORT, one per worker, as carbon's listeners use it too:
// COMPAT §3), TCP keep-alive (COMPAT §3.5) and peer names for log lines.
//
// Thread-safe (no shared state).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/config/config.h"

namespace fullerene::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  // "127.0.0.1:2003" or "[::1]:2003".
  std::string ToString() const;
};

// Parses a numeric IPv4 or IPv6 address (no brackets) and a port. Fails for host names.
absl::StatusOr<SocketAddress> ParseNumericAddress(absl::string_view host, int port);

// Resolves `host` (numeric or a name, via getaddrinfo; blocking) to every address it has, in
// the resolver's order.
absl::StatusOr<std::vector<SocketAddress>> ResolveAddress(const std::string& host, int port);

enum class SocketKind { kStream, kDatagram };

// A bound socket with SO_REUSEADDR and SO_REUSEPORT (and listening, for kStream), CLOEXEC.
absl::StatusOr<int> OpenListener(const core::ListenerSpec& spec, SocketKind kind);

// The local port a socket is bound to (to log the real port when 0 was asked for).
int LocalPort(int fd);

// Applies carbon's TCP keep-alive settings (COMPAT §3.5); failures are ignored on purpose
// (keep-alive is best effort, exactly as in Twisted).
void ApplyKeepAlive(int fd, const core::Config& config);

// "127.0.0.1:53602" for a connected socket, "?" when unknown.
std::string PeerName(int fd);

}  // namespace fullerene::net
