select count(b.r_bitmap(1,1,floor(random()*30)::int, floor(random()*81)::int, 4 + floor(random()*13)::int)) from generate_series(1,64)
