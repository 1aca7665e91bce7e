
 £}
  ÿÿÿÿÿÿÿÿÿ*command timed out