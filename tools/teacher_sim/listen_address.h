// Parses a server's --listen value.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

struct ListenAddress {
  std::string host;  // without brackets for IPv6
  int port = 0;      // 0: any free port

  // "host:port", with brackets around an IPv6 host.
  std::string ToString(int bound_port) const;
};

// Accepts "HOST:PORT" and "[IPV6]:PORT" with PORT in 0..65535. The error
// names the flag and the value, e.g. "--listen: expected HOST:PORT, got 'x'".
[[nodiscard]] absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view flag,
                                                               absl::string_view text);

}  // namespace codi
