# Fuzz targets (tests/fuzz): one LLVMFuzzerTestOneInput per parser of outside
# input. In every build each target is linked with replay_main.cc into
# bin/fuzz_replay_TARGET and its seed corpus (tests/fuzz/corpus/TARGET, with
# every crasher found so far) replays as the CTest test
# Fuzz.TARGET.CorpusReplays. With -DCODI_FUZZ=ON (clang) each is also a
# libFuzzer binary, bin/fuzz_TARGET, that scripts/fuzz.sh runs.
# Included from tests/CMakeLists.txt: CMAKE_CURRENT_SOURCE_DIR is tests/.
set(_codi_fuzz_dir ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)

function(codi_fuzz_target name)
  set(src ${_codi_fuzz_dir}/${name}_fuzz.cc)
  add_executable(fuzz_replay_${name} ${src} ${_codi_fuzz_dir}/replay_main.cc)
  target_compile_options(fuzz_replay_${name} PRIVATE ${CODI_WARNINGS})
  target_include_directories(fuzz_replay_${name} PRIVATE ${CMAKE_SOURCE_DIR})
  target_link_libraries(fuzz_replay_${name} PRIVATE ${ARGN})
  add_test(NAME Fuzz.${name}.CorpusReplays
           COMMAND fuzz_replay_${name} ${_codi_fuzz_dir}/corpus/${name})
  set_tests_properties(Fuzz.${name}.CorpusReplays PROPERTIES LABELS fuzz TIMEOUT 300)
  if(CODI_FUZZ)
    add_executable(fuzz_${name} ${src})
    # libFuzzer's main and its sanitizers; the libraries were built with
    # -fsanitize=fuzzer-no-link (CMakeLists.txt), so their coverage counts.
    set(flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
              -fno-omit-frame-pointer)
    target_compile_options(fuzz_${name} PRIVATE ${CODI_WARNINGS} ${flags})
    target_link_options(fuzz_${name} PRIVATE ${flags})
    target_include_directories(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR})
    target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
  endif()
endfunction()

codi_fuzz_target(spec_loader codi_spec)
codi_fuzz_target(document_jsonl codi_format)
# The importers are in codi_cli; only their headers and the stream entry
# points are used, so a move to another library changes these two lines.
codi_fuzz_target(coqa_import codi_cli)
codi_fuzz_target(quac_import codi_cli)
codi_fuzz_target(chat_completion codi_teacher)
codi_fuzz_target(key_codec codi_storage)
codi_fuzz_target(sim_chat_request codi_teacher_sim_lib)
