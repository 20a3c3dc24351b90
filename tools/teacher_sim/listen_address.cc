#include "tools/teacher_sim/listen_address.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace codi {

std::string ListenAddress::ToString(int bound_port) const {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", bound_port);
  return absl::StrCat(host, ":", bound_port);
}

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view flag, absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", why, ", got '", text, "'"));
  };
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) return bad("expected HOST:PORT");
  absl::string_view host = text.substr(0, colon);
  const absl::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != absl::string_view::npos) {
    return bad("an IPv6 host must be in brackets");
  }
  if (host.empty()) return bad("expected HOST:PORT with a host");
  int port;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535) {
    return bad("expected a port in 0..65535");
  }
  return ListenAddress{std::string(host), port};
}

}  // namespace codi
