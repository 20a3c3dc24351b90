// The codi binary's answers to bad usage and bad input: exit code 2 and one
// line naming the file, line or field.
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi::testing {
namespace {

const std::string kCodi = std::string(CODI_BIN_DIR) + "/codi";

struct Case {
  std::string name;
  std::string job_yaml;  // written to job.yaml when non-empty
  std::vector<std::string> args;
  std::string expected_stderr;  // substring
};

TEST(CodiCli, AnswersBadUsageAndBadInputWithExitCode2AndAClearLine) {
  TempDir dir;
  WriteFile(dir.File("docs.jsonl"), "{\"id\": \"a\", \"text\": \"Alpha.\"}\n");
  const std::string good_graph =
      "graph:\n  start: {q: 1}\n  length: {n: 2}\n  links:\n"
      "    - {name: q, role: USER, next: {a: 1}}\n    - {name: a, role: AGENT, next: {q: 1}}\n";
  const std::vector<Case> cases = {
      {"no command", "", {}, "Usage:"},
      {"unknown command", "", {"frobnicate"}, "unknown command 'frobnicate'"},
      {"run without a job", "", {"run"}, "expected one job file"},
      {"unknown flag", "", {"run", "x.yaml", "--bogus"}, "unknown flag --bogus"},
      {"unknown flag of a remote command",
       "",
       {"status", "job", "--coordinator", "127.0.0.1:9", "--bogus"},
       "unknown flag --bogus"},
      {"bad flag value",
       "",
       {"run", "x.yaml", "--concurrency", "many"},
       "--concurrency: expected an integer, got 'many'"},
      {"flag without its value", "", {"export", "job", "--out"}, "--out"},
      {"missing job file", "", {"run", "/nonexistent/job.yaml"}, "/nonexistent/job.yaml"},
      {"unknown field",
       "name: t\nsed: 1\n" + good_graph,
       {"run", "JOB"},
       "job.yaml:2: sed: unknown field"},
      {"bad concurrency",
       "",
       {"run", "x.yaml", "--concurrency", "5000"},
       "--concurrency must be 0 (adaptive) or 1..4096"},
      {"bad concurrency bounds",
       "",
       {"run", "x.yaml", "--min-concurrency", "64", "--max-concurrency", "8"},
       "--max-concurrency between it and 4096"},
      {"no teacher",
       "name: t\ndocuments: {path: docs.jsonl}\n" + good_graph,
       {"run", "JOB"},
       "no teacher endpoint"},
      {"missing documents",
       "name: t\ndocuments: {path: nope.jsonl}\n" + good_graph,
       {"run", "JOB", "--teacher", "http://127.0.0.1:9/v1", "--state", "STATE"},
       "nope.jsonl"},
      {"export without state",
       "",
       {"export", "job", "--out", "o"},
       "expected JOB_ID, --out DIR and one of --state DIR or --coordinator"},
      {"report of a missing state",
       "",
       {"report", "job", "--state", "/nonexistent/state"},
       "does not exist"},
      {"report from a file without --html",
       "",
       {"report", "--from", "report.json"},
       "--from and --eval make an HTML page: add --html FILE"},
      {"report from a missing file",
       "",
       {"report", "--from", "/nonexistent/report.json", "--html", "r.html"},
       "/nonexistent/report.json"},
      {"report with two sources",
       "",
       {"report", "job", "--state", "s", "--from", "r.json", "--html", "r.html"},
       "expected JOB_ID and one of --state DIR or --coordinator HOST:PORT, or --from"},
      {"import without out", "", {"import-coqa", "x.json"}, "expected FILE and --out"},
      {"validate without a job", "", {"validate"}, "expected one or more job files"},
      {"validate of a bad spec",
       "name: t\ngraph:\n  start: {q: 1}\n  length: {n: 0}\n  links:\n"
       "    - {name: q, role: USER, next: {q: 1}}\n",
       {"validate", "JOB"},
       "job.yaml:4: graph.length"},
      {"import of a missing file",
       "",
       {"import-quac", "/nonexistent/q.json", "--out", "o.jsonl"},
       "/nonexistent/q.json"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kCodi};
    for (auto arg : c.args) {
      if (arg == "JOB") arg = dir.File("job.yaml");
      if (arg == "STATE") arg = dir.File("state");
      argv.push_back(arg);
    }
    if (!c.job_yaml.empty()) WriteFile(dir.File("job.yaml"), c.job_yaml);
    std::string out, err;
    int code = RunToCompletion(argv, 30, &out, &err);
    EXPECT_EQ(code, 2) << c.name << ": " << err;
    EXPECT_NE(err.find(c.expected_stderr), std::string::npos) << c.name << ": stderr was: " << err;
  }
}

TEST(CodiCli, EveryCommandAnswersHelp) {
  // Each command's help lists its flags with their environment variables.
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"run", {"--teacher", "CODI_TEACHER", "--state", "CODI_STATE", "--out", "CODI_OUT"}},
      {"submit", {"--coordinator", "CODI_COORDINATOR", "--docs"}},
      {"status", {"--coordinator", "CODI_COORDINATOR", "--json"}},
      {"watch", {"--coordinator", "CODI_COORDINATOR", "--interval-ms"}},
      {"cancel", {"--coordinator", "CODI_COORDINATOR"}},
      {"export", {"--coordinator", "--state", "--out", "CODI_OUT", "--format"}},
      {"report",
       {"--coordinator", "--state", "CODI_STATE", "--json", "--html", "--from", "--eval"}},
      {"import-coqa", {"--out"}},
      {"import-quac", {"--out"}},
      {"validate", {}},
  };
  for (const auto& [command, flags] : commands) {
    for (const char* help : {"--help", "-h"}) {
      std::string out, err;
      EXPECT_EQ(RunToCompletion({kCodi, command, help}, 30, &out, &err), 0) << command;
      EXPECT_NE(out.find("Usage:"), std::string::npos) << command;
      EXPECT_NE(out.find("codi " + command), std::string::npos) << command << ": " << out;
      for (const auto& flag : flags) {
        EXPECT_NE(out.find(flag), std::string::npos) << command << " " << flag << ": " << out;
      }
      EXPECT_EQ(err, "") << command;
    }
  }
}

TEST(CodiCli, AnswersHelpAndVersionWithoutACommand) {
  for (const char* help : {"--help", "-h", "help"}) {
    std::string out, err;
    EXPECT_EQ(RunToCompletion({kCodi, help}, 30, &out, &err), 0) << help;
    EXPECT_NE(out.find("Usage:"), std::string::npos) << help;
    EXPECT_NE(out.find("codi export JOB_ID"), std::string::npos) << help;
  }
  std::string out, err;
  EXPECT_EQ(RunToCompletion({kCodi, "version"}, 30, &out, &err), 0);
  EXPECT_EQ(out.rfind("codi ", 0), 0u) << out;
}

}  // namespace
}  // namespace codi::testing
