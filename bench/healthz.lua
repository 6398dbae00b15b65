-- wrk script: GET the URL given on the command line; one RESULT line (bench/result.lua).
dofile("bench/result.lua")
