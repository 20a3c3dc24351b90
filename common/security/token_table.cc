#include "common/security/token_table.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace codi {
namespace {

Sha256Digest Sha256(absl::string_view text) {
  Sha256Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

bool ParseDigest(absl::string_view hex, Sha256Digest* digest) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  const std::string bytes = absl::HexStringToBytes(hex);
  std::copy(bytes.begin(), bytes.end(), digest->begin());
  return true;
}

}  // namespace

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view text, const std::string& source) {
  TokenTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    const auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": ", why));
    };
    if (fields.size() < 2 || fields.size() > 3) {
      return error("expected ROLE SHA256_HEX [NAME]");
    }
    TokenEntry entry;
    auto role = ParseRole(fields[0]);
    if (!role.ok()) return error(role.status().message());
    entry.role = *role;
    if (!ParseDigest(fields[1], &entry.digest)) {
      return error("the second field must be the token's SHA-256 as 64 hex digits");
    }
    if (fields.size() == 3) entry.name = std::string(fields[2]);
    table.entries_.push_back(std::move(entry));
  }
  return table;
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read token file ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read token file ", path));
  return Parse(text.str(), path);
}

const TokenEntry* TokenTable::Find(absl::string_view token) const {
  const Sha256Digest digest = Sha256(token);
  // Every entry is compared, in constant time, whatever matches.
  const TokenEntry* found = nullptr;
  for (const TokenEntry& entry : entries_) {
    const bool same = CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (same && found == nullptr) found = &entry;
  }
  return found;
}

std::string Sha256Hex(absl::string_view text) {
  const Sha256Digest digest = Sha256(text);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("the OpenSSL random generator failed");
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), 32));
}

}  // namespace codi
