import { DescriptionList, DescriptionListItem, Text } from '@hubspot/ui-extensions';
import type { CardPosition } from '../api-types';

/** The answers to the event's questions for one ticket. */
export const PositionAnswers = ({ position }: { position: CardPosition }) => {
  if (position.answers.length === 0) return null;
  return (
    <>
      <Text format={{ fontWeight: 'demibold' }}>
        Answers for ticket #{position.positionid} ({position.product})
      </Text>
      <DescriptionList direction="row" testId={`answers-${position.id}`}>
        {position.answers.map((answer, index) => (
          <DescriptionListItem key={`${index}-${answer.question}`} label={answer.question}>
            <Text>{answer.answer}</Text>
          </DescriptionListItem>
        ))}
      </DescriptionList>
    </>
  );
};
