import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CheckSeverity, CheckVerdict } from '../../src/evaluation/check.service.js';

registerEnumType(CheckVerdict, {
  name: 'CheckVerdict',
  description:
    'BLOCK: a finding contradicts the product record or carries legal risk; REVIEW: an unsupported claim or a text defect; PASS: no finding.',
});

registerEnumType(CheckSeverity, { name: 'CheckSeverity', description: 'The verdict this finding alone would give.' });

@ObjectType({ description: 'One finding of the fact check.' })
export class CheckFinding {
  @Field({
    description:
      'Stable code: MATERIAL_NOT_IN_RECORD, COMPOSITION_MISMATCH, COMPOSITION_TOTAL, COMPOSITION_PARTIAL, COLOUR_NOT_OFFERED, SIZE_NOT_OFFERED, AUDIENCE_MISMATCH, PRICE_MISMATCH, DISCOUNT_CLAIM, ORIGIN_CLAIM, GUARANTEE_CLAIM, ENVIRONMENTAL_CLAIM, CARE_CLAIM, PERFORMANCE_CLAIM, DURABILITY_CLAIM, INVENTED_DETAIL, TRUNCATED, REPEATED_WORD, PRONOUN_NUMBER or WRONG_LANGUAGE.',
  })
  code!: string;

  @Field(() => CheckSeverity)
  severity!: CheckSeverity;

  @Field(() => Int, { description: 'Start of the span in the text (UTF-16 offset, as JavaScript strings).' })
  start!: number;

  @Field(() => Int, { description: 'End of the span (exclusive).' })
  end!: number;

  @Field()
  message!: string;

  @Field(() => String, {
    nullable: true,
    description: "The product record's value the text was checked against; null when the record has none.",
  })
  expected!: string | null;
}

@ObjectType({ description: "A description checked against its product's own record. See docs/fact-check.md." })
export class DescriptionCheck {
  @Field(() => CheckVerdict)
  verdict!: CheckVerdict;

  @Field(() => [CheckFinding], { description: 'In text order.' })
  findings!: CheckFinding[];
}
