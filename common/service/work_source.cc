#include "common/service/work_source.h"

#include "absl/strings/str_cat.h"

namespace codi {

std::string ConversationKeyText(const codi::v1::ConversationKey& key) {
  return absl::StrCat(key.job_id(), "/", key.doc_id(), "/", key.sample());
}

}  // namespace codi
