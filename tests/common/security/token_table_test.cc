#include "common/security/token_table.h"

#include <set>

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(TokenTable, FindsATokenByItsDigestWithItsRoleAndName) {
  const std::string text = "# tokens\n\nreader " + Sha256Hex("alpha") + " alice  # a reader\n" +
                           "worker\t" + Sha256Hex("beta") + "\n";
  auto table = TokenTable::Parse(text, "tokens.txt");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  const TokenEntry* alpha = table->Find("alpha");
  ASSERT_NE(alpha, nullptr);
  EXPECT_EQ(alpha->role, Role::kReader);
  EXPECT_EQ(alpha->name, "alice");
  const TokenEntry* beta = table->Find("beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ(beta->role, Role::kWorker);
  EXPECT_EQ(table->Find("gamma"), nullptr);
  EXPECT_EQ(table->Find(""), nullptr);
  EXPECT_EQ(table->Find(Sha256Hex("alpha")), nullptr) << "the digest is not the token";
}

TEST(TokenTable, BadLinesAreErrorsNamingFileAndLine) {
  const std::string good = "admin " + Sha256Hex("x") + "\n";
  const struct {
    std::string text, error;
  } cases[] = {
      {good + "root " + Sha256Hex("y"), "t:2: unknown role 'root'"},
      {good + "admin abc", "t:2: the second field must be the token's SHA-256 as 64 hex digits"},
      {"admin " + std::string(64, 'g'), "t:1: the second field must be"},
      {"admin", "t:1: expected ROLE SHA256_HEX [NAME]"},
      {good + good + "admin " + Sha256Hex("z") + " a b", "t:3: expected ROLE SHA256_HEX [NAME]"},
  };
  for (const auto& c : cases) {
    auto table = TokenTable::Parse(c.text, "t");
    ASSERT_FALSE(table.ok()) << c.text;
    EXPECT_EQ(table.status().message().substr(0, c.error.size()), c.error) << c.text;
  }
  auto missing = TokenTable::Load("/nonexistent/tokens");
  EXPECT_EQ(missing.status().message(), "cannot read token file /nonexistent/tokens");
}

TEST(TokenTable, NewTokensAreRandomHexOf32Bytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto token = NewToken();
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->size(), 64u);
    EXPECT_EQ(token->find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace codi
