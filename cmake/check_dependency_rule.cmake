# The dependency rule as a build fact (issue 11; cmake/weft.cmake, docs/architecture.md):
#   cmake -DDATA=<file> -DWORK=<dir> -P check_dependency_rule.cmake
# DATA (written by tests/CMakeLists.txt at generate time) sets CXX, libs, for each library
# <lib>_{folder,dir,public,testing,all}, and checked: "<target>" entries each with
# <target>_includes (its include directories, transitive) and <target>_own (the library
# whose internals it may see, or empty), and probes: targets to compile PROBE_INTERNAL and
# PROBE_PUBLIC with. Fails (FATAL_ERROR) if
#   1. a checked target's include path reaches a header of another library that is not
#      public: an internal header from above, a whole source folder (src/), a
#      weft_<lib>_internals or weft_<lib>_testing linked outside a test;
#   2. a public header includes a header of a library that is not public there (the
#      consumers of the public header could not compile it);
#   3. with a probe target's include path, `#include PROBE_INTERNAL` compiles or fails for
#      another reason than a missing file, or `#include PROBE_PUBLIC` does not compile.
cmake_minimum_required(VERSION 3.25)
include(${DATA})
set(problems "")

# 1. What each checked target can reach.
foreach(t ${checked})
  foreach(lib ${libs})
    if(lib STREQUAL "${${t}_own}")
      continue()
    endif()
    foreach(d ${${t}_includes})
      set(reached "")
      foreach(h ${${lib}_all})
        if(NOT h IN_LIST ${lib}_public AND EXISTS ${d}/${${lib}_folder}/${h})
          list(APPEND reached "${${lib}_folder}/${h}")
        endif()
      endforeach()
      if(reached)
        list(LENGTH reached n)
        list(GET reached 0 first)
        string(APPEND problems
               "  ${t} can include ${n} internal header(s) of ${lib} via ${d}, e.g. \"${first}\"\n")
      endif()
    endforeach()
  endforeach()
endforeach()

# 2. Public headers include only public headers (or other folders' testing/ helpers, which
#    only tests can reach anyway).
set(folders "")
foreach(lib ${libs})
  list(APPEND folders ${${lib}_folder})
  set(lib_of_${${lib}_folder} ${lib})
endforeach()
foreach(lib ${libs})
  foreach(h ${${lib}_public} ${${lib}_testing})
    file(STRINGS ${${lib}_dir}/${h} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${lines})
      string(REGEX REPLACE "^[^\"]*\"([^\"]*)\".*$" "\\1" inc "${line}")
      string(FIND "${inc}" "/" slash)
      if(slash LESS 1)
        continue()
      endif()
      string(SUBSTRING "${inc}" 0 ${slash} folder)
      math(EXPR rest_at "${slash} + 1")
      string(SUBSTRING "${inc}" ${rest_at} -1 rest)
      if(NOT folder IN_LIST folders)
        continue()
      endif()
      set(m ${lib_of_${folder}})
      if(NOT rest IN_LIST ${m}_public AND NOT rest IN_LIST ${m}_testing)
        string(APPEND problems
               "  public header ${${lib}_folder}/${h} includes \"${inc}\", which is not public\n")
      endif()
    endforeach()
  endforeach()
endforeach()

# 3. The compiler agrees.
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/internal.cc "#include \"${PROBE_INTERNAL}\"\n")
file(WRITE ${WORK}/public.cc "#include \"${PROBE_PUBLIC}\"\nint main() { return 0; }\n")
string(REPLACE "." "\\." internal_re "${PROBE_INTERNAL}")
foreach(t ${probes})
  set(flags -std=c++20 -fsyntax-only)
  foreach(d ${${t}_includes})
    list(APPEND flags -I${d})
  endforeach()
  set(before "${problems}")
  execute_process(COMMAND ${CXX} ${flags} ${WORK}/internal.cc
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    string(APPEND problems "  ${t}: #include \"${PROBE_INTERNAL}\" compiles\n")
  elseif(NOT out MATCHES "${internal_re}'?:? (No such file|file not found)")
    string(APPEND problems "  ${t}: #include \"${PROBE_INTERNAL}\" failed for another reason:\n${out}\n")
  endif()
  execute_process(COMMAND ${CXX} ${flags} ${WORK}/public.cc
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(APPEND problems "  ${t}: #include \"${PROBE_PUBLIC}\" does not compile:\n${out}\n")
  endif()
  if(problems STREQUAL before)
    message(STATUS "${t}: \"${PROBE_INTERNAL}\" not found, \"${PROBE_PUBLIC}\" compiles")
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "the dependency rule is broken (cmake/weft.cmake):\n${problems}")
endif()
list(LENGTH checked n)
message(STATUS "dependency rule holds for ${n} targets")
