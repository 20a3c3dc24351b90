#include "common/base/flags.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace codi {

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::String(const std::string& name, const std::string& env, std::string* value,
                     const std::string& help) {
  Flag f{name, env, help, "\"" + *value + "\""};
  f.set = [value](const std::string& v, std::string*) {
    *value = v;
    return true;
  };
  flags_.push_back(std::move(f));
}

void FlagSet::StringList(const std::string& name, const std::string& env,
                         std::vector<std::string>* value, const std::string& help) {
  Flag f{name, env, help, "none"};
  f.is_list = true;
  f.set = [value, first = true](const std::string& v, std::string*) mutable {
    if (first) value->clear();
    first = false;
    value->push_back(v);
    return true;
  };
  flags_.push_back(std::move(f));
}

void FlagSet::Int(const std::string& name, const std::string& env, int64_t* value,
                  const std::string& help) {
  Flag f{name, env, help, std::to_string(*value)};
  f.set = [value](const std::string& v, std::string* err) {
    int64_t parsed;
    if (!absl::SimpleAtoi(v, &parsed)) {
      *err = "expected an integer, got '" + v + "'";
      return false;
    }
    *value = parsed;
    return true;
  };
  flags_.push_back(std::move(f));
}

void FlagSet::Double(const std::string& name, const std::string& env, double* value,
                     const std::string& help) {
  std::ostringstream def;
  def << *value;
  Flag f{name, env, help, def.str()};
  f.set = [value](const std::string& v, std::string* err) {
    double parsed;
    if (!absl::SimpleAtod(v, &parsed) || !std::isfinite(parsed)) {
      *err = "expected a number, got '" + v + "'";
      return false;
    }
    *value = parsed;
    return true;
  };
  flags_.push_back(std::move(f));
}

void FlagSet::Bool(const std::string& name, const std::string& env, bool* value,
                   const std::string& help) {
  Flag f{name, env, help, *value ? "true" : "false"};
  f.is_bool = true;
  f.set = [value](const std::string& v, std::string* err) {
    bool parsed;
    if (!absl::SimpleAtob(v, &parsed)) {
      *err = "expected true or false, got '" + v + "'";
      return false;
    }
    *value = parsed;
    return true;
  };
  flags_.push_back(std::move(f));
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FlagSet::Usage() const {
  std::ostringstream out;
  out << program_ << ": " << summary_ << "\n\n";
  if (!usages_.empty()) {
    out << "Usage:\n";
    for (const auto& u : usages_) out << "  " << u << "\n";
    out << "\n";
  }
  out << "Flags (each also read from its environment variable):\n";
  for (const auto& f : flags_) {
    out << "  --" << f.name << (f.is_bool ? "" : " VALUE");
    if (f.is_list) out << " (repeatable)";
    out << "\n      " << f.help << " [default " << f.default_text;
    if (!f.env.empty()) out << "; env " << f.env;
    out << "]\n";
  }
  out << "  --help\n      print this help and exit\n";
  return out.str();
}

FlagSet::Result FlagSet::Parse(int argc, char** argv, int first) {
  std::string err;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << Usage();
      return kHelp;
    }
    if (arg == "--") {
      for (++i; i < argc; ++i) positional_.push_back(argv[i]);
      break;
    }
    if (arg.size() < 3 || arg.rfind("--", 0) != 0) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    Flag* f = Find(name);
    if (f == nullptr && !has_value && name.rfind("no-", 0) == 0) {
      Flag* neg = Find(name.substr(3));
      if (neg != nullptr && neg->is_bool) {
        neg->set("false", &err);
        neg->seen = true;
        continue;
      }
    }
    if (f == nullptr) {
      std::cerr << program_ << ": unknown flag --" << name << " (see --help)\n";
      return kError;
    }
    if (!has_value) {
      if (f->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        std::cerr << program_ << ": flag --" << name << " needs a value\n";
        return kError;
      }
    }
    if (!f->set(value, &err)) {
      std::cerr << program_ << ": flag --" << name << ": " << err << "\n";
      return kError;
    }
    f->seen = true;
  }
  // Environment variables fill in flags not given on the command line.
  for (auto& f : flags_) {
    if (f.seen || f.env.empty()) continue;
    const char* env = std::getenv(f.env.c_str());
    if (env == nullptr) continue;
    if (f.is_list) {
      for (auto part : absl::StrSplit(env, ',', absl::SkipEmpty())) {
        f.set(std::string(part), &err);
      }
    } else if (!f.set(env, &err)) {
      std::cerr << program_ << ": environment " << f.env << ": " << err << "\n";
      return kError;
    }
  }
  return kOk;
}

}  // namespace codi
