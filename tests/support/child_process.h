// Real processes for integration and fault tests: start a binary with its
// output in files, read its "listening on HOST:PORT" line, kill it with any
// signal, wait for its exit code. Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace codi::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // SIGKILLs a child still running

  // Starts `argv[0]` with stdout and stderr appended to the given files.
  bool Start(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path);
  // Waits up to `timeout_s` for the first stdout line "listening on H:P"; returns "H:P" or "".
  std::string WaitForListenAddress(double timeout_s);
  void Signal(int signo);
  // Exit code (128+signal when killed), or -1 when still running after `timeout_s`.
  int Wait(double timeout_s);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string stdout_path_;
};

std::string ReadFile(const std::string& path);
std::vector<std::string> ReadLines(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

// Runs a command to completion (bounded by `timeout_s`), capturing stdout and
// stderr; returns the exit code (-1 on timeout, after SIGKILL).
int RunToCompletion(const std::vector<std::string>& argv, double timeout_s, std::string* out,
                    std::string* err);

}  // namespace codi::testing
