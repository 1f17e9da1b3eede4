# Helpers shared by every folder's CMakeLists.txt.

set(WEFT_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(WEFT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # GCC 12's -Wmaybe-uninitialized misfires under -fsanitize (its instrumentation hides
  # initialisation from the flow analysis; GCC's manual warns of such false positives), e.g.
  # inside Boost.Beast's basic_parser. The release build keeps the warning as an error.
  list(APPEND WEFT_WARNINGS -Wno-maybe-uninitialized)
endif()

# weft_own_sources(OUT GLOB): the files matching GLOB below the current folder, except
# those in a sub-folder that has a CMakeLists.txt of its own: such a sub-folder is a library
# of its own (src/ingest/tail/ is weft_tail, not part of weft_ingest).
function(weft_own_sources OUT GLOB)
  file(GLOB_RECURSE found CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${GLOB})
  file(GLOB_RECURSE subs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*/CMakeLists.txt)
  list(REMOVE_ITEM subs ${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt)
  set(kept)
  foreach(f ${found})
    set(own TRUE)
    foreach(sub ${subs})
      get_filename_component(dir ${sub} DIRECTORY)
      string(FIND "${f}" "${dir}/" at)
      if(at EQUAL 0)
        set(own FALSE)
      endif()
    endforeach()
    if(own)
      list(APPEND kept ${f})
    endif()
  endforeach()
  set(${OUT} ${kept} PARENT_SCOPE)
endfunction()

# The dependency rule as a build fact (docs/architecture.md, "Libraries and the dependency
# rule"). Every folder's library publishes only its PUBLIC HEADERS:
#   * by default the *.h at the folder's top level (src/model/span.h);
#   * or, if the library lists PUBLIC_HEADERS (paths relative to the folder), exactly those
#     -- for a folder whose top level holds internals too (src/store). A public header may
#     include only public headers: what it includes must be listed as well.
# A sub-folder with a CMakeLists.txt of its own is a library of its own (src/ingest/tail/
# is weft_tail, its headers "tail/<file>.h"); any other sub-folder is internal (src/store/
# head/), except what PUBLIC_HEADERS names and testing/ (below).
#
# Targets and include roots (directories of per-file symlinks; configuring rewrites them):
#   weft_<name>            the library; PUBLIC: build/include/<name>/<folder>/<public headers>.
#                          Its own sources also see every header of the folder (PRIVATE).
#   weft_<name>_internals  every header of the folder, for that folder's own tests
#                          (weft_tests links it) and white-box harnesses (tests/fuzz). Never
#                          link it from a library or from src/cmd.
#   weft_<name>_testing    only <folder>/testing/*.h (test helpers, e.g. store/testing/
#                          temp_dir.h), for the tests of the folders above; exists only if
#                          the folder has a testing/ sub-folder.
# So whoever links weft_store can include "store/store.h" but not "store/head/head.h": it
# fails to compile. tests/CMakeLists.txt's test dependency_rule checks it
# (cmake/check_dependency_rule.cmake).

# weft_link_headers(ROOT FOLDER DIR FILES...): ROOT/FOLDER/<f> -> DIR/<f> for each f (a path
# relative to DIR); every other link below ROOT is removed (a header made internal again,
# a deleted header, the whole-folder link of older builds).
function(weft_link_headers ROOT FOLDER DIR)
  file(GLOB_RECURSE have LIST_DIRECTORIES false ${ROOT}/*)
  set(want)
  foreach(f ${ARGN})
    list(APPEND want ${ROOT}/${FOLDER}/${f})
  endforeach()
  foreach(link ${have})
    if(NOT link IN_LIST want)
      file(REMOVE ${link})  # a symlink: removes the link, never what it points to
    endif()
  endforeach()
  file(MAKE_DIRECTORY ${ROOT})
  foreach(f ${ARGN})
    if(NOT IS_SYMLINK ${ROOT}/${FOLDER}/${f})
      get_filename_component(parent ${ROOT}/${FOLDER}/${f} DIRECTORY)
      file(MAKE_DIRECTORY ${parent})
      file(CREATE_LINK ${DIR}/${f} ${ROOT}/${FOLDER}/${f} SYMBOLIC)
    endif()
  endforeach()
endfunction()

# weft_folder_headers(OUT): every header of the current folder (weft_own_sources: without
# sub-folders that are libraries of their own), relative to it.
function(weft_folder_headers OUT)
  weft_own_sources(found *.h)
  set(rel)
  foreach(f ${found})
    file(RELATIVE_PATH r ${CMAKE_CURRENT_SOURCE_DIR} ${f})
    list(APPEND rel ${r})
  endforeach()
  set(${OUT} ${rel} PARENT_SCOPE)
endfunction()

# weft_own_headers(TARGET ROOT_NAME): TARGET's sources see every header of the current
# folder as "<folder>/<file>.h" (PRIVATE), through build/include/<ROOT_NAME>. For a target
# that is not a weft_library (src/cmd's executable).
function(weft_own_headers TARGET ROOT_NAME)
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  weft_folder_headers(all)
  weft_link_headers(${CMAKE_BINARY_DIR}/include/${ROOT_NAME} ${folder} ${CMAKE_CURRENT_SOURCE_DIR} ${all})
  target_include_directories(${TARGET} BEFORE PRIVATE ${CMAKE_BINARY_DIR}/include/${ROOT_NAME})
endfunction()

# weft_library(NAME [PUBLIC_HEADERS ...] [PUBLIC_DEPS ...] [PRIVATE_DEPS ...]
#              [EXTRA_SOURCES ...])
# Builds weft_<NAME> from every *.cc below the current folder except *_test.cc,
# *_bench.cc and those of sub-folders with a CMakeLists.txt (weft_own_sources), plus
# weft_<NAME>_internals and maybe weft_<NAME>_testing (above). Headers are included as
# "<folder>/<file>.h". Link dependencies PRIVATE unless this library's public headers
# include theirs.
function(weft_library NAME)
  cmake_parse_arguments(ARG "" "" "PUBLIC_HEADERS;PUBLIC_DEPS;PRIVATE_DEPS;EXTRA_SOURCES" ${ARGN})
  weft_own_sources(srcs *.cc)
  list(FILTER srcs EXCLUDE REGEX "_(test|bench)\\.cc$")
  list(APPEND srcs ${ARG_EXTRA_SOURCES})
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  weft_folder_headers(all)
  if(ARG_PUBLIC_HEADERS)
    set(public ${ARG_PUBLIC_HEADERS})
    foreach(h ${public})
      if(NOT h IN_LIST all)
        message(FATAL_ERROR "weft_library(${NAME}): PUBLIC_HEADERS names ${h}, not a header of ${dir}")
      endif()
    endforeach()
  else()
    set(public ${all})
    list(FILTER public EXCLUDE REGEX "/")
  endif()
  set(testing ${all})
  list(FILTER testing INCLUDE REGEX "^testing/")

  set(public_root ${CMAKE_BINARY_DIR}/include/${NAME})
  set(all_root ${CMAKE_BINARY_DIR}/include/${NAME}-internal)
  weft_link_headers(${public_root} ${folder} ${dir} ${public})
  weft_link_headers(${all_root} ${folder} ${dir} ${all})
  if(srcs)
    add_library(weft_${NAME} STATIC ${srcs})
    target_include_directories(weft_${NAME} BEFORE PRIVATE ${all_root})
    target_include_directories(weft_${NAME} PUBLIC ${public_root})
    target_compile_options(weft_${NAME} PRIVATE ${WEFT_WARNINGS})
    target_link_libraries(weft_${NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  else()
    add_library(weft_${NAME} INTERFACE)
    target_include_directories(weft_${NAME} INTERFACE ${public_root})
    target_link_libraries(weft_${NAME} INTERFACE ${ARG_PUBLIC_DEPS})
  endif()
  add_library(weft_${NAME}_internals INTERFACE)
  target_include_directories(weft_${NAME}_internals INTERFACE ${all_root})
  target_link_libraries(weft_${NAME}_internals INTERFACE weft_${NAME})
  if(testing)
    set(testing_root ${CMAKE_BINARY_DIR}/include/${NAME}-testing)
    weft_link_headers(${testing_root} ${folder} ${dir} ${testing})
    add_library(weft_${NAME}_testing INTERFACE)
    target_include_directories(weft_${NAME}_testing INTERFACE ${testing_root})
    target_link_libraries(weft_${NAME}_testing INTERFACE weft_${NAME})
  endif()
  # For the dependency_rule test (tests/CMakeLists.txt).
  set_property(GLOBAL APPEND PROPERTY WEFT_LIBRARIES ${NAME})
  foreach(v folder dir public testing all)
    set_property(GLOBAL PROPERTY WEFT_LIBRARY_${NAME}_${v} "${${v}}")
  endforeach()
endfunction()

# weft_tests(NAME DEPS ...): one gtest binary weft_<NAME>_test from every *_test.cc below
# the current folder, registered with CTest (label "unit").
function(weft_tests NAME)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  weft_own_sources(tests *_test.cc)
  if(tests)
    add_executable(weft_${NAME}_test ${tests})
    target_compile_options(weft_${NAME}_test PRIVATE ${WEFT_WARNINGS})
    # A folder's tests see its internals (weft_<NAME>_internals); other folders' public
    # headers only, plus their testing/ helpers if they link weft_<folder>_testing.
    target_link_libraries(weft_${NAME}_test PRIVATE $<TARGET_NAME_IF_EXISTS:weft_${NAME}_internals>
                          ${ARG_DEPS} GTest::gtest_main GTest::gmock)
    include(GoogleTest)
    gtest_discover_tests(weft_${NAME}_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  endif()
endfunction()
