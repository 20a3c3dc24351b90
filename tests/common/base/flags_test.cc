#include "common/base/flags.h"

#include <algorithm>
#include <cstdlib>

#include "gtest/gtest.h"

namespace codi {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::CaptureStdout;
using ::testing::internal::GetCapturedStderr;
using ::testing::internal::GetCapturedStdout;

struct Argv {
  explicit Argv(std::vector<std::string> args) : storage(std::move(args)) {
    for (auto& s : storage) ptrs.push_back(s.data());
  }
  int argc() { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

// Parses `args` (argv[0] is "prog"); returns the result and what went to stderr.
FlagSet::Result ParseCapturingStderr(FlagSet& flags, std::vector<std::string> args,
                                     std::string* err) {
  args.insert(args.begin(), "prog");
  Argv a(std::move(args));
  CaptureStderr();
  FlagSet::Result r = flags.Parse(a.argc(), a.argv());
  *err = GetCapturedStderr();
  return r;
}

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

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

TEST(FlagSet, StartsAfterTheSubcommandAndTakesNegativeValues) {
  FlagSet flags("prog sub", "test");
  int64_t n = 1;
  double d = 0;
  flags.Int("count", "", &n, "h");
  flags.Double("rate", "", &d, "h");
  Argv a({"prog", "sub", "--count", "-1", "job", "--rate=-2.5"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv(), 2), FlagSet::kOk);
  EXPECT_EQ(n, -1);
  EXPECT_DOUBLE_EQ(d, -2.5);
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"job"}));
}

TEST(FlagSet, AListFlagTakesOneValueEachTimeAndReplacesTheDefault) {
  FlagSet flags("prog", "test");
  std::vector<std::string> list = {"default"};
  flags.StringList("teacher", "", &list, "h");
  Argv a({"prog", "--teacher", "u1", "job.yaml", "--teacher", "u2,u3"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(list, (std::vector<std::string>{"u1", "u2", "u3"}));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"job.yaml"}));
}

TEST(FlagSet, TheLastOfARepeatedFlagWins) {
  FlagSet flags("prog", "test");
  std::string s;
  int64_t n = 0;
  flags.String("state", "", &s, "h");
  flags.Int("count", "", &n, "h");
  Argv a({"prog", "--state", "a", "--count", "1", "--state=b", "--count", "2"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(s, "b");
  EXPECT_EQ(n, 2);
}

TEST(FlagSet, BoolFlagsTakeAValueOrANegation) {
  for (const auto& [args, want] : std::vector<std::pair<std::vector<std::string>, bool>>{
           {{}, false},
           {{"--json"}, true},
           {{"--json=true"}, true},
           {{"--json=false"}, false},
           {{"--json", "--no-json"}, false},
           {{"--no-json", "--json"}, true},
       }) {
    FlagSet flags("prog", "test");
    bool b = false;
    flags.Bool("json", "", &b, "h");
    std::string err;
    ASSERT_EQ(ParseCapturingStderr(flags, args, &err), FlagSet::kOk) << err;
    EXPECT_EQ(b, want) << ::testing::PrintToString(args);
  }
}

TEST(FlagSet, DoubleDashEndsTheFlags) {
  FlagSet flags("prog", "test");
  int64_t n = 1;
  flags.Int("count", "", &n, "h");
  Argv a({"prog", "--count", "2", "--", "--count", "-x"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"--count", "-x"}));
}

TEST(FlagSet, RejectsUnknownFlagsWithOneLineNamingThem) {
  for (const std::string bad : {"--nope", "--nope=3", "-x"}) {
    FlagSet flags("prog", "test");
    int64_t n = 1;
    flags.Int("count", "", &n, "h");
    std::string err;
    EXPECT_EQ(ParseCapturingStderr(flags, {"--count", "2", bad}, &err), FlagSet::kError) << bad;
    EXPECT_EQ(err.rfind("prog: unknown flag " + bad, 0), 0u) << err;
    EXPECT_EQ(Lines(err), 1u) << err;
  }
}

TEST(FlagSet, RejectsBadValuesWithOneLineNamingTheFlag) {
  const std::vector<std::vector<std::string>> bad = {
      {"--count", "seven"},
      {"--count=3x"},
      {"--count", "99999999999999999999"},  // out of range, not clamped
      {"--count"},                          // no value
      {"--rate", "fast"},
      {"--rate", "nan"},
      {"--rate", "1e999"},
      {"--json=maybe"},
  };
  for (const auto& args : bad) {
    FlagSet flags("prog", "test");
    int64_t n = 1;
    double d = 0.5;
    bool b = false;
    flags.Int("count", "", &n, "h");
    flags.Double("rate", "", &d, "h");
    flags.Bool("json", "", &b, "h");
    std::string err;
    EXPECT_EQ(ParseCapturingStderr(flags, args, &err), FlagSet::kError) << args[0];
    EXPECT_EQ(err.rfind("prog: ", 0), 0u) << err;
    const std::string flag = args[0].substr(0, args[0].find('='));
    EXPECT_NE(err.find(flag), std::string::npos) << err;
    EXPECT_EQ(Lines(err), 1u) << err;
    EXPECT_EQ(n, 1);
    EXPECT_DOUBLE_EQ(d, 0.5);
  }
}

TEST(FlagSet, ReadsTheEnvironmentWhenTheFlagIsAbsent) {
  ScopedEnv env("CODI_FLAGS_TEST_COUNT", "42");
  FlagSet flags("prog", "test");
  int64_t n = 1, m = 1;
  flags.Int("count", "CODI_FLAGS_TEST_COUNT", &n, "h");
  flags.Int("other", "CODI_FLAGS_TEST_COUNT", &m, "h");
  Argv a({"prog", "--other", "3"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(n, 42);
  EXPECT_EQ(m, 3);  // the command line wins over the environment
}

TEST(FlagSet, ReadsEveryKindFromTheEnvironment) {
  ScopedEnv s_env("CODI_FLAGS_TEST_NAME", "from-env");
  ScopedEnv d_env("CODI_FLAGS_TEST_RATE", "0.75");
  ScopedEnv b_env("CODI_FLAGS_TEST_JSON", "true");
  ScopedEnv l_env("CODI_FLAGS_TEST_TEACHER", "http://a/v1,,http://b/v1");
  FlagSet flags("prog", "test");
  std::string s = "default";
  double d = 0;
  bool b = false;
  std::vector<std::string> list;
  flags.String("name", "CODI_FLAGS_TEST_NAME", &s, "h");
  flags.Double("rate", "CODI_FLAGS_TEST_RATE", &d, "h");
  flags.Bool("json", "CODI_FLAGS_TEST_JSON", &b, "h");
  flags.StringList("teacher", "CODI_FLAGS_TEST_TEACHER", &list, "h");
  Argv a({"prog"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_EQ(s, "from-env");
  EXPECT_DOUBLE_EQ(d, 0.75);
  EXPECT_TRUE(b);
  EXPECT_EQ(list, (std::vector<std::string>{"http://a/v1", "http://b/v1"}));
}

TEST(FlagSet, TheCommandLineWinsOverTheEnvironmentForListsAndBools) {
  ScopedEnv b_env("CODI_FLAGS_TEST_JSON", "true");
  ScopedEnv l_env("CODI_FLAGS_TEST_TEACHER", "http://a/v1,http://b/v1");
  FlagSet flags("prog", "test");
  bool b = false;
  std::vector<std::string> list;
  flags.Bool("json", "CODI_FLAGS_TEST_JSON", &b, "h");
  flags.StringList("teacher", "CODI_FLAGS_TEST_TEACHER", &list, "h");
  Argv a({"prog", "--no-json", "--teacher", "http://c/v1"});
  ASSERT_EQ(flags.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_FALSE(b);
  EXPECT_EQ(list, (std::vector<std::string>{"http://c/v1"}));
}

TEST(FlagSet, ABadEnvironmentValueNamesTheFlagAndTheVariable) {
  ScopedEnv env("CODI_FLAGS_TEST_COUNT", "lots");
  FlagSet flags("prog", "test");
  int64_t n = 1;
  flags.Int("count", "CODI_FLAGS_TEST_COUNT", &n, "h");
  std::string err;
  EXPECT_EQ(ParseCapturingStderr(flags, {}, &err), FlagSet::kError);
  EXPECT_NE(err.find("--count"), std::string::npos) << err;
  EXPECT_NE(err.find("CODI_FLAGS_TEST_COUNT"), std::string::npos) << err;
  EXPECT_EQ(Lines(err), 1u) << err;
  EXPECT_EQ(n, 1);

  // Given on the command line, the environment is not read at all.
  FlagSet flags2("prog", "test");
  flags2.Int("count", "CODI_FLAGS_TEST_COUNT", &n, "h");
  EXPECT_EQ(ParseCapturingStderr(flags2, {"--count", "5"}, &err), FlagSet::kOk) << err;
  EXPECT_EQ(n, 5);
}

TEST(FlagSet, AnEnvPrefixNamesTheVariablesFromTheFlags) {
  ScopedEnv env("CODI_FLAGS_TEST_LATENCY_MS", "12.5");
  FlagSet flags("prog", "test", "CODI_FLAGS_TEST_");
  double latency = 0;
  std::string model = "m";
  flags.Double("latency-ms", &latency, "h");
  flags.String("model", &model, "h");
  flags.String("plain", "", &model, "h");  // an explicit "" still means none
  CaptureStdout();
  Argv help({"prog", "--help"});
  const FlagSet::Result r = flags.Parse(help.argc(), help.argv());
  const std::string text = GetCapturedStdout();
  ASSERT_EQ(r, FlagSet::kHelp);
  EXPECT_NE(text.find("CODI_FLAGS_TEST_LATENCY_MS"), std::string::npos) << text;
  EXPECT_NE(text.find("CODI_FLAGS_TEST_MODEL"), std::string::npos) << text;
  EXPECT_EQ(text.find("CODI_FLAGS_TEST_PLAIN"), std::string::npos) << text;

  FlagSet flags2("prog", "test", "CODI_FLAGS_TEST_");
  flags2.Double("latency-ms", &latency, "h");
  Argv a({"prog"});
  ASSERT_EQ(flags2.Parse(a.argc(), a.argv()), FlagSet::kOk);
  EXPECT_DOUBLE_EQ(latency, 12.5);
}

TEST(FlagSet, HelpGoesToStdoutWithUsageDefaultsAndEnvironmentVariables) {
  for (const char* help : {"--help", "-h"}) {
    FlagSet flags("prog", "does things");
    flags.AddUsage("prog JOB.yaml [--count N]");
    int64_t n = 7;
    double d = 0.25;
    bool b = false;
    std::vector<std::string> list;
    flags.Int("count", "CODI_FLAGS_TEST_COUNT", &n, "how many things");
    flags.Double("rate", "", &d, "how fast");
    flags.Bool("json", "", &b, "print JSON");
    flags.StringList("teacher", "CODI_FLAGS_TEST_TEACHER", &list, "teacher URL");
    Argv a({"prog", "job.yaml", help, "--count", "3"});
    CaptureStdout();
    CaptureStderr();
    const FlagSet::Result r = flags.Parse(a.argc(), a.argv());
    const std::string out = GetCapturedStdout();
    EXPECT_EQ(GetCapturedStderr(), "");
    ASSERT_EQ(r, FlagSet::kHelp);
    for (const char* want :
         {"prog: does things", "Usage:", "prog JOB.yaml [--count N]", "--count", "=7",
          "CODI_FLAGS_TEST_COUNT", "how many things", "--rate", "=0.25", "--json", "--no-json",
          "--teacher", "CODI_FLAGS_TEST_TEACHER", "--help"}) {
      EXPECT_NE(out.find(want), std::string::npos) << want << " in\n" << out;
    }
    EXPECT_EQ(out, flags.Usage());
  }
}

}  // namespace
}  // namespace codi
