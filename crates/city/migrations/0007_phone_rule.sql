-- 電話番号: the database stores exactly the numbers yoyaku-core's parser accepts. The condition
-- below is yoyaku_core::contact::phone_check_sql("phone"), Japan's numbering plan as the parser
-- reads it; a test fails when the two part (after an update of the plan, say), and a new
-- migration then brings the rule up to date. It replaces the shape-only check of 0002. NOT VALID:
-- a row stored under the older check stays, and is left out of what the clinics are sent
-- (logged) instead of breaking their sync.
alter table residents drop constraint residents_phone_check;
alter table residents add constraint residents_phone_rule check (
(phone ~ '^0[1-9][0-9]*$' and (phone ~ '^0(?:00[1-9]\d{6,14}|[25-9]\d{9}|(?:00|[1-9]\d\d)\d{6})') and not (length(phone) - 1 in (9) and phone ~ '^0(?:990\d{6})') and ((length(phone) - 1 in (8, 9, 10, 11, 12, 13, 14, 15, 16, 17) and phone ~ '^0(?:00777(?:[01]|5\d)\d\d|(?:00(?:7778|882[1245])|(?:120|800\d)\d\d)\d{4}|00(?:37|66|78)\d{6,13})') or (not false and ((length(phone) - 1 in (10) and phone ~ '^0(?:50[1-9]\d{7})') or (not (length(phone) - 1 in (9) and phone ~ '^0(?:60\d{7})') and not (length(phone) - 1 in (10) and phone ~ '^0(?:20\d{8})') and not (length(phone) - 1 in (9) and phone ~ '^0(?:570\d{6})') and not false and ((length(phone) - 1 in (9) and phone ~ '^0(?:(?:1(?:1[235-8]|2[3-6]|3[3-9]|4[2-6]|[58][2-8]|6[2-7]|7[2-9]|9[1-9])|(?:2[2-9]|[36][1-9])\d|4(?:[2-578]\d|6[02-8]|9[2-59])|5(?:[2-589]\d|6[1-9]|7[2-8])|7(?:[25-9]\d|3[4-9]|4[02-9])|8(?:[2679]\d|3[2-9]|4[5-9]|5[1-9]|8[03-9])|9(?:[2-58]\d|[679][1-9]))\d{6})') or (length(phone) - 1 in (10) and phone ~ '^0(?:[6-9]0[1-9]\d{7})')))))))

) not valid;
