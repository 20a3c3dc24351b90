// Command-line flags of every codi binary: a thin declarative layer over CLI11
// (CLI::App), which does the parsing. Each setting is declared once (name,
// environment variable, default, help line) and reaches --help and the
// environment from that declaration. A flag given on the command line wins
// over its environment variable.
//
//   FlagSet flags("codi-teacher-sim", "An OpenAI-compatible simulated teacher.");
//   std::string listen = "127.0.0.1:8000";
//   flags.String("listen", "CODI_SIM_LISTEN", &listen, "address to listen on");
//   if (auto r = flags.Parse(argc, argv); r != FlagSet::kOk) return r == kHelp ? 0 : 2;
//
// What the command line accepts: `--name VALUE` and `--name=VALUE`; a bool
// flag alone (`--fsync`), with a value (`--fsync=false`) or negated
// (`--no-fsync`); a list flag repeated (`--teacher A --teacher B`) or
// comma-separated (`--teacher A,B`, as its environment variable holds it);
// the last of a repeated non-list flag wins; `--` ends the flags. Everything
// else that does not start with '-' is a positional argument.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace codi {

class FlagSet {
 public:
  enum Result { kOk, kHelp, kError };

  // With an env_prefix, the declarations that name no environment variable
  // read PREFIX + the flag's name upper-cased with '-' as '_'
  // ("CODI_SIM_" and "latency-ms": CODI_SIM_LATENCY_MS).
  FlagSet(std::string program, std::string summary, std::string env_prefix = "");
  ~FlagSet();
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // `env` empty: no environment variable. `value` holds the default and
  // must outlive Parse.
  void String(const std::string& name, const std::string& env, std::string* value,
              const std::string& help);
  // Repeatable flag: the occurrences replace the default, in order. The
  // environment variable, if set, holds a comma-separated list used when the
  // flag is not given.
  void StringList(const std::string& name, const std::string& env, std::vector<std::string>* value,
                  const std::string& help);
  void Int(const std::string& name, const std::string& env, int64_t* value,
           const std::string& help);
  // Finite numbers only: "nan" and "inf" are refused.
  void Double(const std::string& name, const std::string& env, double* value,
              const std::string& help);
  void Bool(const std::string& name, const std::string& env, bool* value, const std::string& help);

  // The same, reading the environment variable the env_prefix names.
  void String(const std::string& name, std::string* value, const std::string& help);
  void StringList(const std::string& name, std::vector<std::string>* value,
                  const std::string& help);
  void Int(const std::string& name, int64_t* value, const std::string& help);
  void Double(const std::string& name, double* value, const std::string& help);
  void Bool(const std::string& name, bool* value, const std::string& help);

  // Parses argv[first..] once. Positional arguments are collected in
  // positional(). Prints --help (-h) to stdout (kHelp) or one line naming the
  // flag to stderr (kError).
  Result Parse(int argc, char** argv, int first = 1);

  const std::vector<std::string>& positional() const { return positional_; }
  const std::string& program() const { return program_; }
  // The --help text.
  std::string Usage() const;
  // Adds a usage line shown under the program name in --help.
  void AddUsage(const std::string& line) { usages_.push_back(line); }

 private:
  std::string EnvFromName(const std::string& name) const;
  // Why Parse failed, as the one line it prints.
  std::string ErrorLine(const std::string& what, const std::vector<std::string>& args) const;

  std::string program_, env_prefix_;
  std::vector<std::string> usages_;
  std::vector<std::string> positional_;
  std::unique_ptr<CLI::App> app_;
};

}  // namespace codi
