// A scratch directory for a test, removed with everything in it afterwards.
#pragma once

#include <string>
#include <vector>

namespace codi::testing {

// A fresh directory under $TMPDIR (or /tmp), removed recursively when
// destroyed. A directory that cannot be made aborts the test binary: every
// later step would fail in a confusing way.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` (which may contain '/') inside the directory.
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to File(name), making its parent directories; returns
  // File(name).
  std::string Write(const std::string& name, const std::string& content) const;
  // The names of the directory's entries, sorted.
  std::vector<std::string> Entries() const;

 private:
  std::string path_;
};

}  // namespace codi::testing
