#include "common/teacher/endpoint_url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace codi {
namespace {

absl::Status Bad(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("teacher endpoint \"", absl::CHexEscape(url), "\": ", why));
}

bool IsHostNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool IsIpv6Char(char c) {
  return absl::ascii_isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

}  // namespace

std::string EndpointUrl::SchemeHostPort() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return absl::StrCat(scheme, "://", ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":", port);
}

std::string EndpointUrl::Base() const { return SchemeHostPort() + path; }

absl::StatusOr<EndpointUrl> ParseEndpointUrl(absl::string_view url) {
  EndpointUrl out;
  const size_t sep = url.find("://");
  if (sep == absl::string_view::npos) return Bad(url, "missing scheme (want http:// or https://)");
  out.scheme = absl::AsciiStrToLower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return Bad(url, absl::StrCat("unsupported scheme \"", absl::CHexEscape(out.scheme),
                                 "\" (want http or https)"));
  }
  absl::string_view rest = url.substr(sep + 3);
  for (char c : rest) {
    if (c == '?' || c == '#') return Bad(url, "a base URL takes no query or fragment");
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Bad(url, "contains a space or control character");
    }
  }
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  absl::string_view path = slash == absl::string_view::npos ? "" : rest.substr(slash);
  if (absl::StrContains(authority, '@')) return Bad(url, "user info is not supported");

  absl::string_view port_text;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Bad(url, "unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    if (out.host.empty()) return Bad(url, "empty host");
    for (char c : out.host) {
      if (!IsIpv6Char(c)) return Bad(url, "bad character in IPv6 address");
    }
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad(url, "unexpected text after IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return Bad(url, "empty port");
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Bad(url, "empty port");
    }
    if (out.host.empty()) return Bad(url, "empty host");
    for (char c : out.host) {
      if (!IsHostNameChar(c)) return Bad(url, "bad character in host");
    }
  }

  if (port_text.empty()) {
    out.port = out.scheme == "https" ? 443 : 80;
  } else {
    uint32_t port = 0;
    bool digits = true;
    for (char c : port_text) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (!digits || port_text.size() > 5 || !absl::SimpleAtoi(port_text, &port) || port == 0 ||
        port > 65535) {
      return Bad(url, "port must be a number in 1..65535");
    }
    out.port = static_cast<uint16_t>(port);
  }

  while (absl::EndsWith(path, "/")) path.remove_suffix(1);
  out.path = std::string(path);
  return out;
}

}  // namespace codi
