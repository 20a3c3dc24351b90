// Bearer tokens the coordinator accepts, read from the --auth-tokens file.
// The file holds digests, never tokens: one line per token,
//
//   ROLE SHA256_HEX_OF_TOKEN [NAME]     # admin, client, reader or worker
//
// with blank lines and '#' comments allowed. A token is looked up by hashing
// it and comparing the digest with every entry in constant time, so neither
// the match nor its position leaks through timing. Nothing here logs or
// returns a token.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/security/roles.h"

namespace codi {

using Sha256Digest = std::array<uint8_t, 32>;

struct TokenEntry {
  Role role = Role::kReader;
  Sha256Digest digest{};
  std::string name;  // for logs; may be empty
};

class TokenTable {
 public:
  // Parses the file's text; errors name `source` and the line.
  [[nodiscard]] static absl::StatusOr<TokenTable> Parse(absl::string_view text,
                                                        const std::string& source);
  // Reads and parses `path`; errors name the file (and line).
  [[nodiscard]] static absl::StatusOr<TokenTable> Load(const std::string& path);

  // The entry whose digest is SHA-256(token), or null.
  const TokenEntry* Find(absl::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<TokenEntry> entries_;
};

// SHA-256 of `text` as 64 lower-case hex digits.
std::string Sha256Hex(absl::string_view text);

// A new random token: 32 bytes from the OpenSSL CSPRNG, as 64 hex digits.
[[nodiscard]] absl::StatusOr<std::string> NewToken();

}  // namespace codi
