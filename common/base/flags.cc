#include "common/base/flags.h"

#include <algorithm>
#include <cmath>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"

namespace codi {
namespace {

// CLI11's help, with the usage lines the program declared instead of the
// generated "Usage: NAME [OPTIONS] [args...]".
class UsageFormatter : public CLI::Formatter {
 public:
  explicit UsageFormatter(const std::vector<std::string>* usages) : usages_(usages) {}

  std::string make_usage(const CLI::App* app, std::string name) const override {
    if (usages_->empty()) return CLI::Formatter::make_usage(app, name);
    std::string out = "\nUsage:\n";
    for (const auto& line : *usages_) out += "  " + line + "\n";
    return out;
  }

 private:
  const std::vector<std::string>* usages_;
};

// CLI11 clamps an out-of-range integer and accepts "nan" and "inf"; these
// checks refuse them, before CLI11 converts the value.
CLI::Validator IntegerCheck() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        int64_t parsed;
        if (absl::SimpleAtoi(text, &parsed)) return "";
        return "expected an integer, got '" + text + "'";
      },
      "");
}

CLI::Validator FiniteNumberCheck() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double parsed;
        if (absl::SimpleAtod(text, &parsed) && std::isfinite(parsed)) return "";
        return "expected a number, got '" + text + "'";
      },
      "");
}

// Whether argv names the flag `--name` (`--name`, `--name=...`).
bool GivenOnCommandLine(const std::vector<std::string>& args, const std::string& name) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& arg) {
    return arg == "--" + name || arg.rfind("--" + name + "=", 0) == 0;
  });
}

// Whether `text` mentions the flag `--name` as a whole word.
bool Mentions(const std::string& text, const std::string& flag) {
  for (size_t at = text.find(flag); at != std::string::npos; at = text.find(flag, at + 1)) {
    const size_t end = at + flag.size();
    if (end == text.size() || text[end] == ' ' || text[end] == ':') return true;
  }
  return false;
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string summary, std::string env_prefix)
    : program_(std::move(program)),
      env_prefix_(std::move(env_prefix)),
      app_(std::make_unique<CLI::App>(program_ + ": " + summary, program_)) {
  app_->formatter(std::make_shared<UsageFormatter>(&usages_));
  app_->option_defaults()->group("Flags");
  app_->set_help_flag("-h,--help", "print this help and exit");
  app_->footer(
      "Each flag also reads the environment variable shown as (Env:NAME); the command line wins.");
  // Positional arguments, hidden from the flag list: the usage lines name them.
  app_->add_option("args", positional_)->group("");
}

FlagSet::~FlagSet() = default;

std::string FlagSet::EnvFromName(const std::string& name) const {
  if (env_prefix_.empty()) return "";
  return env_prefix_ + absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}}));
}

void FlagSet::String(const std::string& name, const std::string& env, std::string* value,
                     const std::string& help) {
  app_->add_option("--" + name, *value, help)
      ->envname(env)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->capture_default_str();
}

void FlagSet::StringList(const std::string& name, const std::string& env,
                         std::vector<std::string>* value, const std::string& help) {
  // One value per occurrence (the next positional argument is not taken in),
  // commas split, as in the environment variable.
  app_->add_option("--" + name, *value, help)
      ->envname(env)
      ->allow_extra_args(false)
      ->delimiter(',');
}

void FlagSet::Int(const std::string& name, const std::string& env, int64_t* value,
                  const std::string& help) {
  app_->add_option("--" + name, *value, help)
      ->envname(env)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->check(IntegerCheck())
      ->capture_default_str();
}

void FlagSet::Double(const std::string& name, const std::string& env, double* value,
                     const std::string& help) {
  app_->add_option("--" + name, *value, help)
      ->envname(env)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->check(FiniteNumberCheck())
      ->capture_default_str();
}

void FlagSet::Bool(const std::string& name, const std::string& env, bool* value,
                   const std::string& help) {
  app_->add_flag("--" + name + ",!--no-" + name, *value, help)
      ->envname(env)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void FlagSet::String(const std::string& name, std::string* value, const std::string& help) {
  String(name, EnvFromName(name), value, help);
}
void FlagSet::StringList(const std::string& name, std::vector<std::string>* value,
                         const std::string& help) {
  StringList(name, EnvFromName(name), value, help);
}
void FlagSet::Int(const std::string& name, int64_t* value, const std::string& help) {
  Int(name, EnvFromName(name), value, help);
}
void FlagSet::Double(const std::string& name, double* value, const std::string& help) {
  Double(name, EnvFromName(name), value, help);
}
void FlagSet::Bool(const std::string& name, bool* value, const std::string& help) {
  Bool(name, EnvFromName(name), value, help);
}

std::string FlagSet::Usage() const { return app_->help(); }

std::string FlagSet::ErrorLine(const std::string& what,
                               const std::vector<std::string>& args) const {
  std::string line = what;
  // CLI11 names the flag; say so when its value came from the environment.
  for (const CLI::Option* opt : app_->get_options()) {
    if (opt->get_envname().empty() || !Mentions(what, opt->get_name())) continue;
    const auto& names = opt->get_lnames();
    if (std::none_of(names.begin(), names.end(),
                     [&](const std::string& n) { return GivenOnCommandLine(args, n); })) {
      line += " (from the environment variable " + opt->get_envname() + ")";
    }
    break;
  }
  std::replace(line.begin(), line.end(), '\n', ' ');
  return program_ + ": " + line + " (see --help)";
}

FlagSet::Result FlagSet::Parse(int argc, char** argv, int first) {
  std::vector<std::string> args(argv + std::min(first, argc), argv + argc);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them back to front
  try {
    app_->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::cout << Usage();
    return kHelp;
  } catch (const CLI::ExtrasError&) {
    // Every argument not starting with '-' is positional, so an extra is a flag.
    const auto extras = app_->remaining();
    std::cerr << ErrorLine("unknown flag " + (extras.empty() ? std::string("?") : extras[0]), args)
              << "\n";
    return kError;
  } catch (const CLI::ParseError& e) {
    std::cerr << ErrorLine(e.what(), args) << "\n";
    return kError;
  }
  return kOk;
}

}  // namespace codi
