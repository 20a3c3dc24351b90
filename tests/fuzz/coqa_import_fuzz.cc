// Fuzzes the CoQA importer (`codi import-coqa`, cli/coqa_importer.h) through
// its stream entry point into an in-memory sink: a file a user downloads is
// outside input. Whatever it reads, the importer's output must be seed
// documents JSONL that the document reader accepts line by line.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "cli/coqa_importer.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/import_output_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::unique_ptr<codi::DocumentImportSink> sink = codi::DocumentImportSink::CreateInMemory();
  const absl::Status imported = codi::ImportCoqaStream(in, "coqa.json", *sink);
  if (!imported.ok()) FUZZ_CHECK_CLEAR_ERROR(imported);
  codi::fuzz::CheckImportOutput(*sink);
  return 0;
}
