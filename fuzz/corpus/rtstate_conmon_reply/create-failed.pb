
O ÿÿÿÿÿÿÿÿÿ*@time="2026-11-28T01:00:37Z" level=error msg="runc create failed"