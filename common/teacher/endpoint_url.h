// Parsing of teacher endpoint base URLs such as "http://127.0.0.1:8000/v1".
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

// A validated OpenAI-compatible base URL: scheme://host[:port][/path].
struct EndpointUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // a name or an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 0;   // explicit, or 80 / 443 from the scheme
  std::string path;    // "" or "/v1" style: leading '/', no trailing '/'

  // "http://host:port" (IPv6 hosts bracketed), what an HTTP client connects to.
  std::string SchemeHostPort() const;
  // The normalised base URL: SchemeHostPort() + path.
  std::string Base() const;
};

// Accepts http and https URLs with a host, an optional port in 1..65535 and an
// optional path; rejects user info, queries and fragments. Errors are
// InvalidArgument and name the URL.
[[nodiscard]] absl::StatusOr<EndpointUrl> ParseEndpointUrl(absl::string_view url);

}  // namespace codi
