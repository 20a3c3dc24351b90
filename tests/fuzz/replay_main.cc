// The main of a fuzz target in every build (g++ included): runs the target's
// LLVMFuzzerTestOneInput over every file of the directories (or over the
// files) named on the command line, as libFuzzer would replay a corpus, so
// the seed corpus and every crasher found so far stay tested by CTest.
// Usage: fuzz_replay_TARGET DIR_OR_FILE...
// Prints how many inputs ran; fails when an argument cannot be read or names
// an empty directory (a corpus that silently vanished tests nothing).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// Runs one file; false when it cannot be read.
bool RunFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A buffer of exactly the input's size, as libFuzzer passes it, so that
  // AddressSanitizer sees a read past its end.
  std::unique_ptr<uint8_t[]> data(new uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), data.get());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(data.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      if (!RunFile(arg)) return 1;
      ++ran;
      continue;
    }
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(arg, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (ec) {
      std::fprintf(stderr, "replay: cannot list %s: %s\n", arg.c_str(), ec.message().c_str());
      return 1;
    }
    if (files.empty()) {
      std::fprintf(stderr, "replay: %s holds no inputs\n", arg.c_str());
      return 1;
    }
    std::sort(files.begin(), files.end());  // the same order on every machine
    for (const fs::path& file : files) {
      if (!RunFile(file)) return 1;
      ++ran;
    }
  }
  std::printf("replay: ran %zu inputs, none failed\n", ran);
  return 0;
}
