// File: loopback.h
//
// Loopback helpers for integration tests: free ports, and blocking client sockets.
//
// PortReservation keeps a TCP port on 127.0.0.1 taken (bound with SO_REUSEPORT, not
// listening) until Release(): the relay under test binds the same port with SO_REUSEPORT,
// and no unrelated process can grab it in between. A bound socket that does not listen is
// never given connections, so it does not steal any from the relay.
//
//   PortReservation line;                 // line.port() is ours
//   ... start the relay on line.port() ...
//   line.Release();
//
//   Client client(line.port());
//   client.Send("foo.bar 1 1700000000\n");
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fullerene::testing {

class PortReservation {
 public:
  PortReservation();
  ~PortReservation();
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  int port() const { return port_; }
  void Release();

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A UDP port that was free a moment ago (UDP sockets cannot hold a port without receiving
// on it, so this one is released at once).
int FreeUdpPort();

// True when something accepts TCP connections on 127.0.0.1:port.
bool CanConnect(int port);

// Blocking TCP client to 127.0.0.1.
class Client {
 public:
  explicit Client(int port, const std::string& host = "127.0.0.1");
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends everything; false if the peer closed or reset the connection.
  bool Send(absl::string_view bytes);
  // Half-closes (FIN) and waits up to `timeout` for the peer to close its side; true if it did.
  bool ShutdownAndWaitForClose(absl::Duration timeout);
  // Waits up to `timeout` for the peer to close the connection; true if it did.
  bool WaitForPeerClose(absl::Duration timeout);
  void Close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Sends one UDP datagram to 127.0.0.1:port.
bool SendDatagram(int port, absl::string_view payload);

// One framed pickle message (4-byte big-endian length + payload).
std::string Frame(absl::string_view payload);

}  // namespace fullerene::testing
