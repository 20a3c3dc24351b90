#include "common/base/flags.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace codi {
namespace {

struct Argv {
  explicit Argv(std::vector<std::string> args) : storage(std::move(args)) {
    for (auto& s : storage) ptrs.push_back(s.data());
  }
  int argc() { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

TEST(FlagSet, ParsesEveryKindAndKeepsPositionals) {
  FlagSet flags("prog", "test");
  std::string s = "a";
  int64_t n = 1;
  double d = 0.5;
  bool b = false;
  std::vector<std::string> list;
  flags.String("name", "", &s, "h");
  flags.Int("count", "", &n, "h");
  flags.Double("rate", "", &d, "h");
  flags.Bool("verbose", "", &b, "h");
  flags.StringList("teacher", "", &list, "h");
  Argv a({"prog", "run", "job.yaml", "--name", "x", "--count=7", "--rate", "0.25", "--verbose",
          "--teacher", "u1", "--teacher=u2"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(s, "x");
  EXPECT_EQ(n, 7);
  EXPECT_DOUBLE_EQ(d, 0.25);
  EXPECT_TRUE(b);
  EXPECT_EQ(list, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"run", "job.yaml"}));
}

TEST(FlagSet, RejectsUnknownFlagsAndBadNumbers) {
  FlagSet flags("prog", "test");
  int64_t n = 1;
  flags.Int("count", "", &n, "h");
  Argv unknown({"prog", "--nope"});
  EXPECT_EQ(flags.Parse(unknown.argc(), unknown.argv()), FlagSet::kError);
  FlagSet flags2("prog", "test");
  flags2.Int("count", "", &n, "h");
  Argv bad({"prog", "--count", "seven"});
  EXPECT_EQ(flags2.Parse(bad.argc(), bad.argv()), FlagSet::kError);
  EXPECT_EQ(n, 1);
}

TEST(FlagSet, ReadsTheEnvironmentWhenTheFlagIsAbsent) {
  setenv("CODI_FLAGS_TEST_COUNT", "42", 1);
  FlagSet flags("prog", "test");
  int64_t n = 1, m = 1;
  flags.Int("count", "CODI_FLAGS_TEST_COUNT", &n, "h");
  flags.Int("other", "CODI_FLAGS_TEST_COUNT", &m, "h");
  Argv a({"prog", "--other", "3"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(n, 42);
  EXPECT_EQ(m, 3);  // the command line wins over the environment
  unsetenv("CODI_FLAGS_TEST_COUNT");
}

}  // namespace
}  // namespace codi
