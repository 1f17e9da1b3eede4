# Helpers shared by every folder's CMakeLists.txt.

set(WEFT_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(WEFT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
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

# weft_library(NAME folder-name
#              [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Builds weft_<NAME> from every *.cc below the current folder except *_test.cc,
# *_bench.cc and those of sub-folders with a CMakeLists.txt (weft_own_sources). Headers
# are included as "<folder>/<file>.h".
function(weft_library NAME)
  cmake_parse_arguments(ARG "" "" "PUBLIC_DEPS;PRIVATE_DEPS;EXTRA_SOURCES" ${ARGN})
  weft_own_sources(srcs *.cc)
  list(FILTER srcs EXCLUDE REGEX "_(test|bench)\\.cc$")
  list(APPEND srcs ${ARG_EXTRA_SOURCES})
  # Each library's headers are reachable only through its own include root, which holds
  # one link named after the folder: a library sees the headers of what it links, nothing
  # else, so an include against the dependency rule fails to compile.
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(root ${CMAKE_BINARY_DIR}/include/${NAME})
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${folder})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${folder} SYMBOLIC)
  endif()
  if(srcs)
    add_library(weft_${NAME} STATIC ${srcs})
    target_include_directories(weft_${NAME} PUBLIC ${root})
    target_compile_options(weft_${NAME} PRIVATE ${WEFT_WARNINGS})
    target_link_libraries(weft_${NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  else()
    add_library(weft_${NAME} INTERFACE)
    target_include_directories(weft_${NAME} INTERFACE ${root})
    target_link_libraries(weft_${NAME} INTERFACE ${ARG_PUBLIC_DEPS})
  endif()
endfunction()

# weft_tests(NAME DEPS ...): one gtest binary weft_<NAME>_test from every *_test.cc below
# the current folder, registered with CTest (label "unit").
function(weft_tests NAME)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  weft_own_sources(tests *_test.cc)
  if(tests)
    add_executable(weft_${NAME}_test ${tests})
    target_compile_options(weft_${NAME}_test PRIVATE ${WEFT_WARNINGS})
    target_link_libraries(weft_${NAME}_test PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
    include(GoogleTest)
    gtest_discover_tests(weft_${NAME}_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  endif()
endfunction()
