// Runs the real codi-teacher-sim binary: startup line, a request, flags,
// exit codes and a clean stop on SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

constexpr char kBinary[] = CODI_BIN_DIR "/codi-teacher-sim";

// A child process with its stdout and stderr piped back.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    // Everything the child needs is built before fork(): only
    // async-signal-safe calls may follow it.
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kBinary));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      close(out[0]);
      close(err[0]);
      execve(kBinary, argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }

  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
  }

  // The first line of stdout, waiting at most `timeout`.
  std::string ReadStdoutLine(absl::Duration timeout) {
    std::string line;
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char c;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  // Everything on stdout or stderr until the child closes it.
  std::string ReadAllStdout() { return ReadAll(out_); }
  std::string ReadAllStderr() { return ReadAll(err_); }

  // The exit code, or -1 when it did not exit normally within `timeout`.
  int Wait(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      int status;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return -1;
  }

  void Signal(int sig) { kill(pid_, sig); }
  pid_t pid() const { return pid_; }

 private:
  static std::string ReadAll(int fd) {
    std::string text;
    char buf[512];
    for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) text.append(buf, static_cast<size_t>(n));
    return text;
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool exited_ = false;
};

int PortOf(const std::string& line) {
  int port = 0;
  const size_t colon = line.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(line.substr(colon + 1), &port)) return 0;
  return port;
}

TEST(TeacherSimBinary, ServesOnAFreePortAndStopsCleanlyOnSigterm) {
  Child sim({"--listen", "127.0.0.1:0", "--threads", "4", "--keep-alive-s", "1"},
            {"CODI_SIM_MODEL=env-model"});
  ASSERT_GT(sim.pid(), 0);
  const std::string line = sim.ReadStdoutLine(absl::Seconds(10));
  ASSERT_TRUE(absl::StartsWith(line, "listening on 127.0.0.1:")) << line;
  const int port = PortOf(line);
  ASSERT_GT(port, 0) << line;

  {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(5);
    nlohmann::json body = {
        {"model", "env-model"},
        {"messages",
         {{{"role", "system"}, {"content", "Title: T\nDocument:\nVancouver is in Canada."}},
          {{"role", "user"}, {"content", "Which country is Vancouver in?"}}}},
        {"seed", 1}};
    auto res = client.Post("/v1/chat/completions", body.dump(), "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << res->body;
    auto reply = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_FALSE(reply.is_discarded());
    EXPECT_TRUE(
        absl::StrContains(reply["choices"][0]["message"]["content"].get<std::string>(), "Canada"))
        << res->body;
    // The model name came from the environment.
    auto models = client.Get("/v1/models");
    ASSERT_TRUE(models);
    EXPECT_TRUE(absl::StrContains(models->body, "env-model")) << models->body;
  }

  sim.Signal(SIGTERM);
  EXPECT_EQ(sim.Wait(absl::Seconds(10)), 0);
}

TEST(TeacherSimBinary, StopsOnSigintWhileARequestHangs) {
  Child sim({"--listen", "127.0.0.1:0", "--threads", "4", "--hang", "1", "--hang-ms", "60000"});
  const int port = PortOf(sim.ReadStdoutLine(absl::Seconds(10)));
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::milliseconds(300));
  auto res =
      client.Post("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}]})",
                  "application/json");
  EXPECT_FALSE(res);  // still hanging when the client gave up
  const absl::Time start = absl::Now();
  sim.Signal(SIGINT);
  EXPECT_EQ(sim.Wait(absl::Seconds(10)), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(TeacherSimBinary, ExitsWithTwoAndOneLineOnBadUsage) {
  const std::vector<std::vector<std::string>> bad = {
      {"--fail-500", "1.5"},
      {"--listen", "nonsense"},
      {"--listen", "127.0.0.1:70000"},
      {"--no-such-flag"},
      {"--max-batch", "0"},
      {"--latency-ms", "abc"},
      {"stray"},
  };
  for (const auto& args : bad) {
    Child sim(args);
    const std::string err = sim.ReadAllStderr();
    EXPECT_EQ(sim.Wait(absl::Seconds(10)), 2) << args[0];
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_TRUE(absl::StartsWith(err, "codi-teacher-sim: ")) << err;
  }
}

TEST(TeacherSimBinary, RejectsABadRateFromTheEnvironment) {
  Child sim({"--listen", "127.0.0.1:0"}, {"CODI_SIM_HANG=-1"});
  const std::string err = sim.ReadAllStderr();
  EXPECT_EQ(sim.Wait(absl::Seconds(10)), 2);
  EXPECT_TRUE(absl::StrContains(err, "--hang")) << err;
}

TEST(TeacherSimBinary, PrintsHelpAndExitsZero) {
  Child sim({"--help"});
  const std::string help = sim.ReadAllStdout();
  EXPECT_EQ(sim.Wait(absl::Seconds(10)), 0);
  for (const char* flag : {"--listen", "--latency-ms", "--max-batch", "--fail-429", "--hang",
                           "--request-log", "CODI_SIM_API_KEY"}) {
    EXPECT_TRUE(absl::StrContains(help, flag)) << flag;
  }
}

}  // namespace
}  // namespace codi
