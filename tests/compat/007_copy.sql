--
-- 007_copy: COPY FROM STDIN / TO STDOUT in text and CSV.
--
CREATE TABLE c (id int, name text, score numeric(5,1), note text);
COPY c FROM STDIN;
1	alpha	1.5	\N
2	be\tta	2	x\\y
\.
COPY c (id, name) FROM STDIN WITH (FORMAT csv, HEADER true);
id,name
3,"gam,ma"
4,
\.
SELECT * FROM c ORDER BY id;
COPY c TO STDOUT;
COPY (SELECT id, name FROM c WHERE id > 2 ORDER BY id) TO STDOUT WITH (FORMAT csv);
COPY c FROM STDIN;
5	too few
\.
COPY c FROM STDIN;
6	x	notanumber	y
\.
SELECT count(*) FROM c;
DROP TABLE c;
