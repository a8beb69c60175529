-- SELECT * and j.* over an aliased join whose tables share column names
-- expand by position (the names alone are ambiguous).
CREATE TABLE sj_t (one int, two int, three int);
INSERT INTO sj_t VALUES (1, 2, 3), (4, 5, 6);
SELECT * FROM (sj_t a JOIN sj_t b USING (one)) j ORDER BY 1;
SELECT j.* FROM (sj_t a JOIN sj_t b USING (one)) j ORDER BY 1;
SELECT * FROM (sj_t a JOIN sj_t b ON a.one = b.one) j ORDER BY 1;
SELECT j.two FROM (sj_t a JOIN sj_t b USING (one)) j;
SELECT count(*) FROM (SELECT * FROM (sj_t a JOIN sj_t b USING (one)) j) s;
DROP TABLE sj_t;
