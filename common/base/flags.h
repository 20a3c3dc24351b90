// A small declarative flag parser shared by every binary. Each setting is
// declared once (name, environment variable, default, help line) and reaches
// --help, the environment and the docs from that declaration.
//
//   FlagSet flags("codi-teacher-sim", "An OpenAI-compatible simulated teacher.");
//   std::string listen = "127.0.0.1:8000";
//   flags.String("listen", "CODI_SIM_LISTEN", &listen, "address to listen on");
//   if (auto r = flags.Parse(argc, argv); r != FlagSet::kOk) return r == kHelp ? 0 : 2;
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace codi {

class FlagSet {
 public:
  enum Result { kOk, kHelp, kError };

  FlagSet(std::string program, std::string summary);

  void String(const std::string& name, const std::string& env, std::string* value,
              const std::string& help);
  // Repeatable flag: each occurrence appends. The environment variable, if
  // set, holds a comma-separated list used when the flag is not given.
  void StringList(const std::string& name, const std::string& env, std::vector<std::string>* value,
                  const std::string& help);
  void Int(const std::string& name, const std::string& env, int64_t* value,
           const std::string& help);
  void Double(const std::string& name, const std::string& env, double* value,
              const std::string& help);
  void Bool(const std::string& name, const std::string& env, bool* value, const std::string& help);

  // Parses argv[first..]. Positional arguments are collected in positional().
  // Prints --help to stdout (kHelp) or one error line to stderr (kError).
  Result Parse(int argc, char** argv, int first = 1);

  const std::vector<std::string>& positional() const { return positional_; }
  std::string Usage() const;
  // Adds a usage line shown under the program name in --help.
  void AddUsage(const std::string& line) { usages_.push_back(line); }

 private:
  struct Flag {
    std::string name, env, help, default_text;
    bool is_bool = false;
    bool is_list = false;
    bool seen = false;
    std::function<bool(const std::string&, std::string*)> set;  // false on bad value
  };
  Flag* Find(const std::string& name);

  std::string program_, summary_;
  std::vector<std::string> usages_;
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
};

}  // namespace codi
