// File: protocol.h
//
// The three ways fullerene-gen speaks to a relay, and their command-line names:
//
//   line    plaintext lines over TCP ("name value timestamp\n", LINE_RECEIVER_PORT)
//   pickle  length-prefixed pickle frames over TCP (PICKLE_RECEIVER_PORT)
//   udp     plaintext lines in datagrams (UDP_RECEIVER_PORT)
//
// The sink uses the same names for what it listens to.
//
// Pure functions; thread-safe.
#pragma once

#include "absl/strings/string_view.h"

namespace fullerene::gen {

enum class Protocol { kLine, kPickle, kUdp };

inline absl::string_view ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kLine:
      return "line";
    case Protocol::kPickle:
      return "pickle";
    case Protocol::kUdp:
      return "udp";
  }
  return "?";
}

// False for anything but "line", "pickle" and "udp".
inline bool ParseProtocol(absl::string_view text, Protocol* protocol) {
  if (text == "line") {
    *protocol = Protocol::kLine;
  } else if (text == "pickle") {
    *protocol = Protocol::kPickle;
  } else if (text == "udp") {
    *protocol = Protocol::kUdp;
  } else {
    return false;
  }
  return true;
}

}  // namespace fullerene::gen
